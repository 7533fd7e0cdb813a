// A partner's shop in a process of its own, for the reliability tests (run with `node`, plain JS).
//
//   node order-client.mjs '<config JSON>'
//
// Config: {
//   servers: ["http://127.0.0.1:1234", ...],   requests alternate between them (request i → servers[i % n])
//   realmName, clientSecret, posSecret,          the partner's credentials; the client gets its own token
//   count, concurrency,                          how many createOrder calls, and how many in flight at once
//   ponPrefix,                                   partnerOrderNumber of call i is `${ponPrefix}-${i}` ...
//   partnerOrderNumber,                          ... unless this one is given: then every call uses it
//   lines: [{ productRef, quantity }],           the order lines of every call
//   waitForGo                                    when true, prints {"ready":true} once it holds its token and
//                                                waits for a line on stdin before the first call
// }
//
// Output on stdout, one JSON document per line:
//   {"ready":true}
//   {"i":0,"pon":"...","server":0,"status":201,"body":{...}}      an answer (any status, body parsed)
//   {"i":1,"pon":"...","server":1,"error":"ECONNREFUSED"}         no answer (the connection failed)
//   {"done":true,"answered":n,"failed":m}
// No call is ever retried: each line is the one and only attempt of that partnerOrderNumber.
import { createCaller, readyThenGo, token, write } from './client-common.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
const call = createCaller(config.concurrency);

function orderBody(partnerOrderNumber) {
  return {
    partnerOrderNumber,
    orderDate: '2026-06-15T12:00:00+02:00',
    currency: 'EUR',
    orderLines: config.lines,
    customer: {
      email: 'jane@example.com',
      language: 'fr_FR',
      locationInvoice: { lastName: 'Doe', firstName: 'Jane', address1: '1 rue de la Paix', city: 'Paris', country: 'FR' },
    },
  };
}

async function main() {
  const headers = { authorization: `Bearer ${await token(call, config.servers[0], config)}`, secret: config.posSecret };
  await readyThenGo(config);
  let next = 0;
  let answered = 0;
  let failed = 0;
  async function worker() {
    while (next < config.count) {
      const i = next++;
      const server = i % config.servers.length;
      const pon = config.partnerOrderNumber ?? `${config.ponPrefix}-${i}`;
      try {
        const { status, body } = await call(config.servers[server], 'POST', '/connect/order/new', headers, orderBody(pon));
        answered++;
        write({ i, pon, server, status, body });
      } catch (error) {
        failed++;
        write({ i, pon, server, error: error.code ?? error.message });
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(config.concurrency, config.count) }, worker));
  write({ done: true, answered, failed });
  call.close();
}

main().catch((error) => {
  process.stderr.write(`order-client: ${error.stack ?? error}\n`);
  call.close();
  process.exitCode = 1;
});
