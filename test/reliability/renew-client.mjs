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
import { createCaller, readyThenGo, token, write } from './client-common.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
const call = createCaller(config.concurrency * config.callsPerTarget);

async function main() {
  const headers = { authorization: `Bearer ${await token(call, config.server, config)}`, secret: config.posSecret };
  await readyThenGo(config);
  let next = 0;
  let answered = 0;
  let failed = 0;
  async function renewOne(target, k) {
    const { partnerOrderNumber, subscriptionId } = config.targets[target];
    try {
      const { status, body } = await call(config.server, k % 2 === 0 ? 'POST' : 'PUT', '/connect/subscription/renew', headers, { partnerOrderNumber, subscriptionId });
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
  call.close();
}

main().catch((error) => {
  process.stderr.write(`renew-client: ${error.stack ?? error}\n`);
  call.close();
  process.exitCode = 1;
});
