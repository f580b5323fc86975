import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { Secrets } from '../../config/config.js';
import type { Database } from '../../db/client.js';
import { startApiServer } from '../../api/api-server.js';
import type { RoutedCustomer, StoredEvent } from '../../customers/stored-event.js';
import type { EventRouter, RoutingInterest } from '../../runs/event-router.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/**
 * Records every hand-off. It stands in for the journey router (a separate component with its
 * own tests); here we assert what ingest hands over, and how often.
 */
export class RecordingRouter implements EventRouter {
  readonly calls: { event: StoredEvent; customer: RoutedCustomer }[] = [];
  failNext = 0;
  /** Unset: every stored event is handed over; a test sets it to stand for the journeys' event names. */
  interest?: () => Promise<RoutingInterest>;

  async route(event: StoredEvent, customer: RoutedCustomer): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('router unavailable (test)');
    }
    this.calls.push({ event, customer });
  }
}

export interface TestApi {
  url: string;
  /** The fastify instance, for what only it can tell (its route table). */
  app: FastifyInstance;
  /** The METRICS_PORT listener, when the test asked for one. */
  metricsUrl?: string;
  writeKey: string;
  /** A client (public) write key of the same server. */
  clientKey: string;
  secrets: Secrets;
  router: RecordingRouter;
  close(): Promise<void>;
}

/** The real API server on 127.0.0.1 and a free port, against the given database. */
export async function startTestApi(
  db: Database,
  options: {
    publicBaseUrl?: string;
    corsAllowedOrigins?: readonly string[];
    metrics?: Parameters<typeof startApiServer>[0]['metrics'];
    channelConfig?: Parameters<typeof startApiServer>[0]['channelConfig'];
    /** A router in front of the recording one (the audience router), handed the recording one. */
    wrapRouter?: (journeys: RecordingRouter) => EventRouter;
    clock?: () => Date | Promise<Date>;
    /** Temporal and the task queue broadcasts start on (the admin API's broadcast routes). */
    temporal?: Parameters<typeof startApiServer>[0]['temporal'];
    taskQueue?: string;
  } = {},
): Promise<TestApi> {
  const writeKey = `wk_${randomBytes(8).toString('hex')}`;
  const clientKey = `pub_${randomBytes(8).toString('hex')}`;
  const secrets: Secrets = {
    writeKeys: [writeKey],
    clientKeys: [clientKey],
    userTokenSecret: randomBytes(32).toString('hex'),
    adminToken: randomBytes(16).toString('hex'),
    unsubscribeSecret: randomBytes(32).toString('hex'),
    twilioAuthToken: randomBytes(16).toString('hex'),
    vapid: { publicKey: 'BPublicKeyForTests', privateKey: 'private', subject: 'mailto:test@example.com' },
  };
  const router = new RecordingRouter();
  const server = await startApiServer({
    db,
    router: options.wrapRouter ? options.wrapRouter(router) : router,
    clock: options.clock,
    secrets,
    logger: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    publicBaseUrl: options.publicBaseUrl,
    corsAllowedOrigins: options.corsAllowedOrigins,
    metrics: options.metrics,
    channelConfig: options.channelConfig,
    temporal: options.temporal,
    taskQueue: options.taskQueue,
  });
  return {
    url: server.url,
    metricsUrl: server.metricsUrl,
    app: server.app,
    writeKey,
    clientKey,
    secrets,
    router,
    close: server.close,
  };
}

/** POST JSON with the write key as HTTP Basic user. */
export function postJson(api: TestApi, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${api.writeKey}:`).toString('base64')}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function adminGet(api: TestApi, path: string) {
  return fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.secrets.adminToken}` } });
}

/**
 * Registers the hooks for a test file that needs a fresh database and an API server on it.
 * The returned object is filled in before the file's own `beforeAll` hooks run.
 */
export function useApiWithDatabase(): { database: TestDatabase; api: TestApi } {
  const context = {} as { database: TestDatabase; api: TestApi };
  beforeAll(async () => {
    context.database = await createTestDatabase();
    context.api = await startTestApi(context.database.db);
  });
  afterAll(async () => {
    await context.api?.close();
    await context.database?.drop();
  });
  return context;
}
