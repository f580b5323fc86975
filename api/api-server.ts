import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config, Secrets } from '../config/config.js';
import { testSendSettings } from '../delivery/test-send.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../infra/logger.js';
import type { EventRouter } from '../runs/event-router.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerApiDocs } from './api-docs.js';
import { registerBrowserRoutes } from './browser-routes.js';
import { registerCors } from './cors.js';
import { HttpError, isOutage, retryAfterSeconds } from './http-errors.js';
import {
  healthSchema,
  registerMetricsRoute,
  startMetricsServer,
  type MetricsSettings,
} from './metrics-route.js';
import { registerPushRoutes } from './push-routes.js';
import { registerBodyParsers } from './request-body.js';
import { registerSegmentRoutes } from './segment-routes.js';
import { registerTwilioRoutes } from './twilio-routes.js';
import { registerUnsubscribeRoutes } from './unsubscribe-routes.js';
import { userTokenVerifier } from './user-tokens.js';
import { writeKeyChecker } from './write-keys.js';

export interface ApiDeps {
  db: Database;
  router: EventRouter;
  secrets: Secrets;
  logger: Logger;
  /** Base URL that providers and customers use to reach this server (Twilio signs it). */
  publicBaseUrl: () => string;
  /** False when no PUBLIC_BASE_URL was given (the listening address stands in for it). */
  publicBaseUrlConfigured?: boolean;
  defaultPhoneCountry?: string;
  /** INGEST_MAX_CLOCK_SKEW in ms; unset: 5 minutes. */
  maxClockSkewMs?: number;
  /** The clock of receipt (see AcceptDeps); default: the wall clock. */
  clock?: () => Date | Promise<Date>;
  /** Counts workflows matching a visibility query (the stats' "waiting"); unset: not shown. */
  countWorkflows?: (query: string) => Promise<number>;
  /** The Temporal client the admin API ends runs and reads their steps with; unset: those answer 503. */
  temporal?: Client;
  /** The workers' task queue: broadcasts' workflows and deployed scheduled journeys' entry workflows start on it. */
  taskQueue?: string;
  /** CORS_ALLOWED_ORIGINS: web pages that may call ingest and push routes; unset: none. */
  corsAllowedOrigins?: readonly string[];
  /** METRICS_PORT / METRICS_AUTH; unset: /metrics public on the API's port. */
  metrics?: MetricsSettings;
  /** The channels' settings: template previews sign unsubscribe links, test sends use its adapters. */
  channelConfig?: Config;
}

/** The HTTP API: Segment-compatible ingest, push subscriptions, provider webhooks, unsubscribe, admin. */
async function buildApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, trustProxy: false });
  // First: the OpenAPI document collects the routes registered after it.
  await registerApiDocs(app);
  registerBodyParsers(app);

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof HttpError) {
      return reply
        .code(error.statusCode)
        .headers(error.headers)
        .send({ success: false, error: error.message, ...(error.issues ? { issues: error.issues } : {}) });
    }
    if (isOutage(error)) {
      deps.logger.warn({ err: error, url: request.url }, 'dependency unavailable');
      return reply
        .code(503)
        .header('retry-after', String(retryAfterSeconds))
        .send({ success: false, error: 'a dependency is unavailable; retry later' });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      const message = status === 413 ? 'the body is larger than 1 MB' : (error as Error).message;
      return reply.code(status).send({ success: false, error: message });
    }
    deps.logger.error({ err: error, url: request.url }, 'request failed');
    return reply.code(500).send({ success: false, error: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ success: false, error: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.get('/health', { schema: healthSchema }, async () => ({ ok: true }));
  // With METRICS_PORT, /metrics is on its own loopback listener instead (startApiServer).
  if (deps.metrics?.port === undefined) registerMetricsRoute(app, deps.metrics, deps.secrets.adminToken);
  const isWriteKey = writeKeyChecker(deps.secrets.writeKeys, deps.secrets.clientKeys);
  const verifyUserToken = userTokenVerifier(deps.secrets.userTokenSecret);
  await registerCors(app, deps.corsAllowedOrigins ?? []);
  registerBrowserRoutes(app, { isWriteKey, publicBaseUrl: deps.publicBaseUrl });
  registerSegmentRoutes(app, {
    db: deps.db,
    router: deps.router,
    isWriteKey,
    verifyUserToken,
    defaultPhoneCountry: deps.defaultPhoneCountry,
    maxClockSkewMs: deps.maxClockSkewMs,
    clock: deps.clock,
    onRouterError: (error) => deps.logger.warn({ err: error }, 'routing failed; the client will retry'),
  });
  registerPushRoutes(app, {
    db: deps.db,
    vapidPublicKey: deps.secrets.vapid?.publicKey,
    isWriteKey,
    verifyUserToken,
  });
  registerTwilioRoutes(app, {
    db: deps.db,
    authToken: deps.secrets.twilioAuthToken,
    publicBaseUrl: deps.publicBaseUrl,
    publicBaseUrlConfigured: deps.publicBaseUrlConfigured,
    warn: (message) => deps.logger.warn(message),
  });
  // Its own plugin scope: the multipart parser it adds applies to the unsubscribe routes only.
  await app.register(async (scope) =>
    registerUnsubscribeRoutes(scope, { db: deps.db, secret: deps.secrets.unsubscribeSecret }),
  );
  registerAdminRoutes(app, {
    db: deps.db,
    adminToken: deps.secrets.adminToken,
    defaultPhoneCountry: deps.defaultPhoneCountry,
    countWorkflows: deps.countWorkflows,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    messages: deps.channelConfig && messagesOf(deps, deps.channelConfig),
  });
  return app;
}

/** Read per request: the public URL is known only once the server listens. */
const messagesOf = (deps: ApiDeps, config: Config) => () =>
  testSendSettings({ config, secrets: deps.secrets, publicBaseUrl: deps.publicBaseUrl() });

export interface RunningApi {
  url: string;
  app: FastifyInstance;
  /** The METRICS_PORT listener's URL, when there is one. */
  metricsUrl?: string;
  close(): Promise<void>;
}

const closeGraceMs = 3_000;

/** Builds and listens; the base URL is fixed once the port is known. */
export async function startApiServer(
  deps: Omit<ApiDeps, 'publicBaseUrl'> & { host: string; port: number; publicBaseUrl?: string },
): Promise<RunningApi> {
  let base = deps.publicBaseUrl ?? '';
  const app = await buildApiServer({
    ...deps,
    publicBaseUrl: () => base,
    publicBaseUrlConfigured: Boolean(deps.publicBaseUrl),
  });
  await app.listen({ host: deps.host, port: deps.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : deps.port;
  const url = `http://${deps.host.includes(':') ? `[${deps.host}]` : deps.host}:${port}`;
  if (!deps.publicBaseUrl) base = url;
  const metrics =
    deps.metrics?.port === undefined
      ? undefined
      : await startMetricsServer({ ...deps.metrics, port: deps.metrics.port }, deps.secrets.adminToken).catch(
          async (error: unknown) => {
            await app.close();
            throw error;
          },
        );
  return {
    url,
    app,
    metricsUrl: metrics?.url,
    // In-flight requests get a few seconds; then connections still open (a client's keep-alive
    // socket, a request stuck on an outage) are cut, so a stop is never held up for a minute.
    async close() {
      const closing = app.close();
      const timer = setTimeout(() => app.server.closeAllConnections(), closeGraceMs);
      await closing;
      clearTimeout(timer);
      await metrics?.close();
    },
  };
}
