// What the reliability tests' client processes share (plain JS, run with `node`): HTTP calls that
// never retry, one JSON document per output line, a token of their own, and the "go" handshake.
import http from 'node:http';
import readline from 'node:readline';

/**
 * A caller with its own keep-alive agent. `call(base, method, path, headers, body)` resolves with the
 * status and the parsed JSON body (`{unparsable: text}` otherwise) and rejects when no answer came;
 * `call.close()` ends its sockets.
 */
export function createCaller(maxSockets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const call = (base, method, path, headers, body) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const request = http.request(new URL(path, base), {
        method,
        agent,
        headers: { ...headers, ...(payload && { 'content-type': 'application/json', 'content-length': String(payload.length) }) },
      }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = { unparsable: text };
          }
          resolve({ status: response.statusCode, body: parsed });
        });
      });
      request.on('error', reject);
      request.end(payload);
    });
  };
  call.close = () => agent.destroy();
  return call;
}

/** One JSON document per line on stdout. */
export function write(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** The partner's access token from the token service of `base`. */
export async function token(call, base, config) {
  const grant = await call(base, 'POST', '/iam/tokens', {}, {
    realmName: config.realmName, clientSecret: config.clientSecret, grantType: 'client_credentials',
  });
  if (grant.status !== 200) throw new Error(`token refused: ${grant.status} ${JSON.stringify(grant.body)}`);
  return grant.body.access_token;
}

/** With `waitForGo`, prints {"ready":true} and waits for a line on stdin, so every client starts at once. */
export async function readyThenGo(config) {
  if (!config.waitForGo) return;
  write({ ready: true });
  await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: process.stdin });
    lines.once('line', () => {
      resolve();
      lines.close();
    });
    lines.once('close', () => reject(new Error('stdin closed before "go"')));
  });
}
