import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { UnitsOfWork } from '../db/units-of-work.js';

/**
 * `GET /metrics` in Prometheus text format: request counts and durations per route and status, plus
 * the process's own figures. Behind a Bearer token when METRICS_TOKEN is set.
 */
export function installMetrics(server: FastifyInstance, token: string | undefined, units: UnitsOfWork): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'resell_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const durations = new Histogram({
    name: 'resell_http_request_duration_seconds', help: 'Time to answer HTTP requests', labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });

  // Units ÷ commits: how many requests' writes share a durable commit (group commit on SQLite).
  new Counter({ name: 'resell_units_of_work_total', help: 'Units of work committed or rolled back', registers: [registry], collect() { this.reset(); this.inc(units.counts().units); } });
  new Counter({ name: 'resell_commits_total', help: 'Commits of units of work', registers: [registry], collect() { this.reset(); this.inc(units.counts().commits); } });

  // A callback hook: an async one costs every request a promise for nothing to wait on.
  server.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    durations.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  server.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['health'] } }, async (request, reply) => {
    if (token && request.headers.authorization !== `Bearer ${token}`) return reply.status(401).send({ error: 'Unauthorized' });
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
