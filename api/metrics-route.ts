import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { temporalMetricsUrl } from '../infra/temporal-runtime.js';
import { registry } from '../infra/metrics.js';
import { access, json, ofType, operation } from './openapi-schemas.js';

export const healthSchema = {
  ...operation('ops', 'Liveness: the API answers', access.public),
  response: { 200: { description: 'The server is up.', ...json(z.object({ ok: z.literal(true) })) } },
};

const metricsSchema = {
  ...operation('ops', 'Prometheus metrics of the engine and the Temporal SDK', access.public),
  response: { 200: ofType('text/plain', 'Prometheus text exposition format.') },
};

/**
 * GET /metrics in Prometheus text format: the engine's metrics and, when a worker runs in this
 * process, the Temporal SDK's runtime metrics. No personal data is in either.
 */
export function registerMetricsRoute(app: FastifyInstance): void {
  app.get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
    const own = await registry.metrics();
    const sdkUrl = temporalMetricsUrl();
    let sdk = '';
    if (sdkUrl) {
      try {
        sdk = await (await fetch(sdkUrl, { signal: AbortSignal.timeout(2_000) })).text();
      } catch {
        sdk = '# the Temporal SDK metrics exporter did not answer\n';
      }
    }
    return reply.type(registry.contentType).send(`${own}\n${sdk}`);
  });
}
