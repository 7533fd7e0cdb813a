// A partner renewing subscriptions from a process of its own, for the reliability tests (run with `node`, plain JS).
//
//   node renew-client.mjs '<config JSON>'
//
// Config: {
//   server: "http://127.0.0.1:1234",
//   realmName, clientSecret, posSecret,          the partner's credentials; the client gets its own token
//   targets: [{ partnerOrderNumber, subscriptionId }],   the subscriptions to renew (original order numbers)
//   callsPerTarget,                              renew calls sent together for each target, racing each other:
//                                                call k uses POST when k is even, PUT when odd (both are the route)
//   concurrency,                                 how many targets are in flight at once
//   waitForGo                                    when true, prints {"ready":true} once it holds its token and
//                                                waits for a line on stdin before the first call
// }
//
// Output on stdout, one JSON document per line:
//   {"ready":true}
//   {"target":0,"call":1,"status":200,"body":{...}}        an answer (any status, body parsed)
//   {"target":0,"call":0,"error":"ECONNRESET"}             no answer (the connection failed)
//   {"done":true,"answered":n,"failed":m}
// No call is ever retried.
import http from 'node:http';
import readline from 'node:readline';

const config = JSON.parse(process.argv[2] ?? '{}');
const agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency * config.callsPerTarget });

/** One HTTP exchange; resolves with the status and the parsed JSON body, rejects when no answer came. */
function call(method, path, headers, body) {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, config.server), {
      method,
      agent,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length) },
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
}

function write(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function token() {
  const grant = await call('POST', '/iam/tokens', {}, {
    realmName: config.realmName, clientSecret: config.clientSecret, grantType: 'client_credentials',
  });
  if (grant.status !== 200) throw new Error(`token refused: ${grant.status} ${JSON.stringify(grant.body)}`);
  return grant.body.access_token;
}

function waitForGo() {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: process.stdin });
    lines.once('line', () => {
      resolve();
      lines.close();
    });
    lines.once('close', () => reject(new Error('stdin closed before "go"')));
  });
}

async function main() {
  const headers = { authorization: `Bearer ${await token()}`, secret: config.posSecret };
  if (config.waitForGo) {
    write({ ready: true });
    await waitForGo();
  }
  let next = 0;
  let answered = 0;
  let failed = 0;
  async function renewOne(target, k) {
    const { partnerOrderNumber, subscriptionId } = config.targets[target];
    try {
      const { status, body } = await call(k % 2 === 0 ? 'POST' : 'PUT', '/connect/subscription/renew', headers, { partnerOrderNumber, subscriptionId });
      answered++;
      write({ target, call: k, status, body });
    } catch (error) {
      failed++;
      write({ target, call: k, error: error.code ?? error.message });
    }
  }
  async function worker() {
    while (next < config.targets.length) {
      const target = next++;
      await Promise.all(Array.from({ length: config.callsPerTarget }, (_, k) => renewOne(target, k)));
    }
  }
  await Promise.all(Array.from({ length: Math.min(config.concurrency, config.targets.length) }, worker));
  write({ done: true, answered, failed });
  agent.destroy();
}

main().catch((error) => {
  process.stderr.write(`renew-client: ${error.stack ?? error}\n`);
  agent.destroy();
  process.exitCode = 1;
});
