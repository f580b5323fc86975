import type { FastifyInstance } from 'fastify';
import { temporalMetricsUrl } from '../infra/temporal-runtime.js';
import { registry } from '../infra/metrics.js';

/**
 * GET /metrics in Prometheus text format: the engine's metrics and, when a worker runs in this
 * process, the Temporal SDK's runtime metrics. No personal data is in either.
 */
export function registerMetricsRoute(app: FastifyInstance): void {
  app.get('/metrics', async (_request, reply) => {
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
