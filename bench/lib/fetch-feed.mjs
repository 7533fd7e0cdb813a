// Fetches one URL with a plain HTTP GET, in a process of its own, reading the body as it streams, and
// prints one JSON document: { status, contentType, ttfbSeconds, firstBodySeconds, lastByteSeconds,
// bytes, lines (LF count), endsWithEol, head, lastLine (first 200 characters) }.
//
//   node bench/lib/fetch-feed.mjs <url>
import http from 'node:http';

const url = process.argv[2];
const started = process.hrtime.bigint();
const since = () => Number(process.hrtime.bigint() - started) / 1e9;

http.get(url, (response) => {
  const ttfbSeconds = since();
  let firstBodySeconds;
  let bytes = 0;
  let lines = 0;
  let tail = '';
  let head = '';
  response.on('data', (chunk) => {
    if (firstBodySeconds === undefined) firstBodySeconds = since();
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
    if (head.length < 400) head += chunk.subarray(0, 400).toString('utf8');
    tail = (tail + chunk.subarray(Math.max(0, chunk.length - 4096)).toString('utf8')).slice(-4096);
  });
  response.on('end', () => {
    const lastByteSeconds = since();
    const complete = tail.replace(/\r?\n$/, '');
    process.stdout.write(`${JSON.stringify({
      status: response.statusCode,
      contentType: response.headers['content-type'] ?? null,
      ttfbSeconds,
      firstBodySeconds: firstBodySeconds ?? lastByteSeconds,
      lastByteSeconds,
      bytes,
      lines,
      endsWithEol: tail.endsWith('\n'),
      head: head.slice(0, 400),
      lastLine: complete.slice(complete.lastIndexOf('\n') + 1).slice(0, 200),
    })}\n`);
  });
  response.on('error', (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}).on('error', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
