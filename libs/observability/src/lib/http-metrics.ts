import type { FastifyInstance } from 'fastify';
import { requestDuration, requestsTotal } from './metrics';

/**
 * Measures every HTTP response in Fastify's onResponse hook, labelled by the route pattern
 * (`/users/:id`, never the raw URL, which would give one time series per user).
 */
export function registerHttpMetrics(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { transport: 'http', route, method: request.method, status: String(reply.statusCode) };
    requestsTotal.inc(labels);
    requestDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}
