// The load generator, in a process of its own: reads one JSON document of options on stdin, runs
// autocannon against the target (a warm-up first, discarded), and prints one JSON document of figures.
//
//   echo '<options>' | node bench/lib/drive.mjs
//
// Options: {
//   url, connections = 64, duration (s), warmup (s, 0 = none), timeout (s) = 10,
//   method, path, headers, body (string),
//   unique: "<placeholder>"   each request's body gets the placeholder replaced by a value no other
//                             request of this process sends (`<uniquePrefix><pid>-<n>`)
//   uniquePrefix
//   paths: [..]               the requests cycle over these paths instead of `path`
//   checkResponseCode: true   a 2xx answer whose top-level `responseCode` is not 0 counts as an error
// }
// Output: { requests, seconds, rps, latency: {p50, p90, p99, avg, max}, ok, non2xx, socketErrors,
//           timeouts, badCodes, errors, statusCodes, samples: [first bad answers] }
import autocannon from 'autocannon';

const KEY = '"responseCode":';

/** The top-level responseCode of a Connect answer: the last one in the body (entries come before it). */
function responseCodeOf(body) {
  const at = body.lastIndexOf(KEY);
  if (at < 0) return undefined;
  return Number.parseInt(body.slice(at + KEY.length, at + KEY.length + 12), 10);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

let counter = 0;
const tally = { badCodes: 0, samples: [] };

function requestOf(options) {
  const request = { method: options.method ?? 'GET', path: options.path ?? '/' };
  if (options.body !== undefined) request.body = options.body;
  const rewrites = [];
  if (options.unique) {
    const prefix = `${options.uniquePrefix ?? 'B'}${process.pid}-${Date.now().toString(36)}-`;
    const template = options.body;
    rewrites.push((req) => { req.body = template.replaceAll(options.unique, `${prefix}${++counter}`); });
  }
  if (Array.isArray(options.paths) && options.paths.length > 0) {
    const paths = options.paths;
    let i = Math.floor(Math.random() * paths.length);
    rewrites.push((req) => { req.path = paths[i++ % paths.length]; });
  }
  if (rewrites.length > 0) {
    request.setupRequest = (req) => {
      for (const rewrite of rewrites) rewrite(req);
      return req;
    };
  }
  request.onResponse = (status, body) => {
    if (status >= 200 && status < 300) {
      if (!options.checkResponseCode) return;
      const code = responseCodeOf(body ?? '');
      if (code === 0) return;
      tally.badCodes += 1;
    }
    if (tally.samples.length < 3) tally.samples.push({ status, body: String(body ?? '').slice(0, 400) });
  };
  return request;
}

async function fire(options, duration) {
  return autocannon({
    url: options.url,
    connections: options.connections ?? 64,
    duration,
    timeout: options.timeout ?? 10,
    headers: { ...(options.body !== undefined && { 'content-type': 'application/json' }), ...options.headers },
    requests: [requestOf(options)],
  });
}

async function main() {
  const options = await readStdin();
  if (options.warmup > 0) await fire(options, options.warmup);
  tally.badCodes = 0;
  tally.samples = [];
  const result = await fire(options, options.duration);
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]));
  const answered = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  const ok2xx = Object.entries(statusCodes).filter(([code]) => code.startsWith('2')).reduce((a, [, n]) => a + n, 0);
  const errors = result.non2xx + result.errors + tally.badCodes;
  const figures = {
    requests: answered,
    seconds: result.duration,
    rps: answered / result.duration,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, avg: result.latency.average, max: result.latency.max },
    ok: ok2xx - tally.badCodes,
    non2xx: result.non2xx,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    badCodes: tally.badCodes,
    errors,
    statusCodes,
    samples: tally.samples,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
