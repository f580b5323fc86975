import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { temporalMetricsUrl } from '../infra/temporal-runtime.js';
import { registry } from '../infra/metrics.js';
import { bearerCheck } from './admin/bearer.js';
import { HttpError } from './http-errors.js';
import { access, errorResponses, json, ofType, operation } from './openapi-schemas.js';

export const healthSchema = {
  ...operation('ops', 'Liveness: the API answers', access.public),
  response: { 200: { description: 'The server is up.', ...json(z.object({ ok: z.literal(true) })) } },
};

/** METRICS_PORT: /metrics alone on 127.0.0.1 at this port; METRICS_AUTH: public or the admin token. */
export interface MetricsSettings {
  port?: number;
  auth: 'public' | 'token';
}

const metricsSchema = (auth: MetricsSettings['auth']) => ({
  ...operation(
    'ops',
    'Prometheus metrics of the engine and the Temporal SDK',
    auth === 'token' ? access.admin : access.public,
  ),
  response: {
    200: ofType('text/plain', 'Prometheus text exposition format.'),
    ...(auth === 'token' ? errorResponses(401) : {}),
  },
});

/**
 * GET /metrics in Prometheus text format: the engine's metrics and, when a worker runs in this
 * process, the Temporal SDK's runtime metrics. No personal data is in either. With METRICS_AUTH
 * token, only with the admin bearer token.
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  settings: MetricsSettings = { auth: 'public' },
  adminToken?: string,
): void {
  const onRequest = settings.auth === 'token' && adminToken ? bearerCheck(adminToken) : undefined;
  app.get(
    '/metrics',
    { schema: metricsSchema(settings.auth), ...(onRequest ? { onRequest } : {}) },
    async (_request, reply) => {
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
    },
  );
}

/** The separate listener of METRICS_PORT: loopback only, /metrics only. */
export async function startMetricsServer(
  settings: MetricsSettings & { port: number },
  adminToken: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler((error, _request, reply) =>
    error instanceof HttpError
      ? reply.code(error.statusCode).send({ success: false, error: error.message })
      : reply.code(500).send({ success: false, error: 'internal error' }),
  );
  registerMetricsRoute(app, settings, adminToken);
  await app.listen({ host: '127.0.0.1', port: settings.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
