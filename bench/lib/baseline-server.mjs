// The baseline of quality.md: a bare Fastify server in its own process answering one route (the same
// method and path pattern as the scenario's) with the same status and the same JSON document the real
// server answered, serialised per request. No auth, no database: what the framework alone costs.
//
//   node bench/lib/baseline-server.mjs '{"method":"POST","route":"/connect/stock","status":200,"answer":{...}}'
//
// Prints {"port": n} once it listens on 127.0.0.1.
import Fastify from 'fastify';

const config = JSON.parse(process.argv[2] ?? '{}');
const server = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });

server.route({
  method: config.method,
  url: config.route,
  handler: async (_request, reply) => {
    reply.code(config.status ?? 200);
    return config.answer;
  },
});

await server.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: server.server.address().port })}\n`);

const stop = () => server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
