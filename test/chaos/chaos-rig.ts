import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { pino } from 'pino';
import { inject } from 'vitest';
import { identities, journeyRuns } from '../../db/schema.js';
import { startSmtpCatcher, type SmtpCatcher } from '../../demo/smtp-catcher.js';
import type { JourneyDefinitionInput } from '../../domain/journey-definition.js';
import { zoneWhereItIs } from '../../domain/local-time.js';
import { startApiServer, type RunningApi } from '../../api/api-server.js';
import { freePort } from '../../infra/free-port.js';
import { checkJourney, deployJourneys } from '../../catalog/journey-catalog.js';
import { createJourneyRouter } from '../../runs/journey-router.js';
import { buildWorkflowBundle } from '../../worker/create-worker.js';
import { uniqueTaskQueue } from '../helpers/temporal.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const bin = fileURLToPath(new URL('../../bin/omnijourney.js', import.meta.url));

/** `omnijourney worker` as a separate process, so a test can SIGKILL it like a crashed machine. */
export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

/**
 * The engine as production runs it, split for chaos: the API and router in this process, real
 * workers as child processes on the run's dev server, real PostgreSQL, a real SMTP peer.
 */
export interface ChaosRig {
  database: TestDatabase;
  client: Client;
  api: RunningApi;
  /**
   * The SMTP peer (`receivedAt[i]`: when `messages[i]` arrived); `down()` and `up()` take it off and
   * back on its port (an outage).
   */
  smtp: Pick<SmtpCatcher, 'url' | 'messages' | 'receivedAt' | 'failNext'> & {
    down(): Promise<void>;
    up(): Promise<void>;
  };
  taskQueue: string;
  /** Customers' zone: 13:00 there now, so quiet hours never hold marketing sends back. */
  zone: string;
  startWorker(env?: Record<string, string>): WorkerProcess;
  /**
   * `omnijourney start`, the all-in-one (its worker and API in one process), on this rig's Temporal,
   * PostgreSQL and task queue, with a data folder and API port of its own (the same on every call,
   * so a restart after SIGKILL comes back where it was).
   */
  startAllInOne(env?: Record<string, string>): Promise<WorkerProcess>;
  writeKey: string;
  /** POST to the Segment-compatible API with the write key; returns the status. */
  post(type: 'track' | 'identify' | 'batch', body: Record<string, unknown>): Promise<number>;
  /** `count` customers `<prefix>-<i>` with an email (`@chaos.test`) and a daytime zone; returns their user ids. */
  identifyCustomers(prefix: string, count: number): Promise<string[]>;
  customerIdOf(userId: string): Promise<string>;
  runStatuses(journeyId: string): Promise<Map<string, string>>;
  close(): Promise<void>;
}

export interface ChaosRigOptions {
  /** A database of the test's own (one it can stop and restart); default: a fresh test database. */
  database?: TestDatabase;
  /** The SMTP peer keeps each message, then waits this long before its 250 (see `startSmtpCatcher`). */
  smtpReplyDelayMs?: number;
}

export async function createChaosRig(
  journeys: JourneyDefinitionInput[],
  options: ChaosRigOptions = {},
): Promise<ChaosRig> {
  const folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-chaos-'));
  const bundle = path.join(folder, 'workflow-bundle.js');
  const [database, firstSmtp, code] = await Promise.all([
    options.database ?? createTestDatabase(),
    startSmtpCatcher({ replyDelayMs: options.smtpReplyDelayMs }),
    buildWorkflowBundle(),
  ]);
  let smtpServer: SmtpCatcher | undefined = firstSmtp;
  const smtpPort = Number(new URL(firstSmtp.url).port);
  const smtp: ChaosRig['smtp'] = {
    url: firstSmtp.url,
    messages: firstSmtp.messages,
    receivedAt: firstSmtp.receivedAt,
    failNext: (count, code) => smtpServer?.failNext(count, code),
    async down() {
      await smtpServer?.close();
      smtpServer = undefined;
    },
    async up() {
      const next = await startSmtpCatcher({ port: smtpPort, replyDelayMs: options.smtpReplyDelayMs });
      // One mailbox across restarts.
      next.messages.push = (...mails) => smtp.messages.push(...mails);
      next.receivedAt.push = (...times) => smtp.receivedAt.push(...times);
      smtpServer = next;
    },
  };
  await writeFile(bundle, code);
  const connection = await Connection.connect({ address: inject('devServerAddress') });
  const client = new Client({ connection, namespace: 'default' });
  const taskQueue = uniqueTaskQueue('chaos');
  await deployJourneys(
    database.db,
    journeys.map((journey) => checkJourney(journey, journey.id)),
  );
  const writeKey = `wk_${randomBytes(8).toString('hex')}`;
  const unsubscribeSecret = randomBytes(32).toString('hex');
  const router = createJourneyRouter({
    db: database.db,
    client,
    taskQueue,
    logger: pino({ level: 'silent' }),
    catalogTtlMs: 0,
  });
  const api = await startApiServer({
    db: database.db,
    router,
    secrets: { writeKeys: [writeKey], adminToken: randomBytes(16).toString('hex'), unsubscribeSecret },
    logger: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
  });
  const workers: WorkerProcess[] = [];

  const spawnCli = (command: 'worker' | 'start', env: Record<string, string>): WorkerProcess => {
    const child = spawn(process.execPath, [bin, command], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? folder,
        OMNIJOURNEY_DATA_DIR: folder,
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '10',
        TEMPORAL_ADDRESS: inject('devServerAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        WORKER_WORKFLOW_BUNDLE: bundle,
        SMTP_URL: smtp.url,
        EMAIL_FROM: 'Shop <shop@chaos.test>',
        UNSUBSCRIBE_SECRET: unsubscribeSecret,
        PUBLIC_BASE_URL: api.url,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const worker = { child, exited, output: () => output };
    workers.push(worker);
    return worker;
  };
  const startWorker = (env: Record<string, string> = {}) => spawnCli('worker', env);
  let allInOne: { dataDir: string; apiPort: string } | undefined;
  const startAllInOne = async (env: Record<string, string> = {}) => {
    allInOne ??= { dataDir: path.join(folder, 'all-in-one'), apiPort: String(await freePort()) };
    return spawnCli('start', {
      OMNIJOURNEY_DATA_DIR: allInOne.dataDir,
      API_PORT: allInOne.apiPort,
      PUBLIC_BASE_URL: `http://127.0.0.1:${allInOne.apiPort}`, // its own API, as `start` works it out
      ...env,
    });
  };

  const zone = zoneWhereItIs(13, new Date());
  const post: ChaosRig['post'] = async (type, body) => {
    const response = await fetch(`${api.url}/v1/${type}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };

  return {
    database,
    client,
    api,
    smtp,
    taskQueue,
    zone,
    writeKey,
    startWorker,
    startAllInOne,
    post,
    async identifyCustomers(prefix, count) {
      const users = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
      await inLanes(count, 16, async (i) => {
        const status = await post('identify', {
          userId: users[i],
          messageId: `${users[i]}-identify`,
          traits: { email: `${users[i]}@chaos.test`, name: `Customer ${i}` },
          context: { timezone: zone },
        });
        if (status !== 200) throw new Error(`identify ${users[i]}: HTTP ${status}`);
      });
      return users;
    },
    async customerIdOf(userId) {
      const [row] = await database.db
        .select({ customerId: identities.customerId })
        .from(identities)
        .where(and(eq(identities.kind, 'user_id'), eq(identities.value, userId)));
      if (!row) throw new Error(`no customer for ${userId}`);
      return row.customerId;
    },
    async runStatuses(journeyId) {
      const rows = await database.db
        .select({ customerId: journeyRuns.customerId, status: journeyRuns.status })
        .from(journeyRuns)
        .where(eq(journeyRuns.journeyId, journeyId));
      return new Map(rows.map((row) => [row.customerId ?? '', row.status]));
    },
    async close() {
      for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await Promise.all(workers.map((worker) => worker.exited));
      await api.close();
      await connection.close();
      await smtp.down();
      await database.drop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** Polls until `done()` holds; fails with `what` and the last state after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached in ${timeoutMs / 1000} s (last: ${String(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Runs `task(i)` for i in [0, count) with at most `lanes` at once. */
export async function inLanes(
  count: number,
  lanes: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** The ledger's dedup key (workflow id / run id / step) that a Message-ID encodes: `<base64url(key)@domain>`. */
export function dedupKeyOf(messageId: string): string {
  return Buffer.from(messageId.replace(/^<|@.*$/g, ''), 'base64url').toString();
}

/** The (recipient, step) a mail belongs to, read from its Message-ID. */
export function keyOf(mail: ParsedMail): { email: string; step: string; messageId: string } {
  const messageId = mail.messageId ?? '';
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  return {
    email: to?.value[0]?.address ?? '',
    step: dedupKeyOf(messageId).split('/').pop() ?? '',
    messageId,
  };
}
