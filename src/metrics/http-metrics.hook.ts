import type { FastifyInstance } from 'fastify';
import type { MetricsService } from './metrics.service';

/**
 * Times every request in Fastify's onResponse hook, so requests that never reach a Nest handler
 * (404s, 413s, malformed JSON, rate-limited ones) are measured too. Added before `app.init()`,
 * when Nest registers its routes, so it applies to all of them.
 */
export function registerHttpMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttpRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
