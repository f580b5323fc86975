/**
 * One "worker" of the rate governor's acceptance test, as its own OS process: the delivery
 * pipeline as `delivererFromConfig` builds it from the environment (SMTP_URL, RATE_LIMIT_EMAIL,
 * DATABASE_URL…), sending one message to each customer of its share, `CONCURRENCY` at a time,
 * once the test writes a line to its stdin (so that the processes start together). A failure the pipeline leaves
 * for a retry is retried at once with the next attempt number, as the deliver activity would be.
 * MODE=adapter: only the governor in front of the configured email adapter, for rates the whole
 * pipeline cannot reach on a busy 2-core machine. Prints one JSON line: what it sent. Run: node tsx/dist/cli.mjs test/helpers/rate-sender.ts.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../config/config.js';
import { connectDatabase } from '../../db/client.js';
import { channelModules } from '../../delivery/channels/index.js';
import { delivererFromConfig } from '../../delivery/from-config.js';
import { createRateGovernor } from '../../delivery/rate-governor.js';
import type { DeliveryRequest } from '../../delivery/delivery-request.js';
import { createLogger } from '../../infra/logger.js';

const env = process.env;
const config = loadConfig(env);
const handle = await connectDatabase(config.database.url!, { poolSize: 10 });
const logger = createLogger({ level: 'error', format: 'json' });
const deliverer = delivererFromConfig({
  config,
  secrets: {},
  db: handle.db,
  logger,
  publicBaseUrl: 'http://127.0.0.1:1',
});
const share = Number(env.SHARE);
const shares = Number(env.SHARES);
const rows = await handle.db.execute<{ id: string }>(sql`select id from customers order by id`);
const ids = [...rows].map((row) => row.id).filter((_, i) => i % shares === share);
const concurrency = Number(env.CONCURRENCY ?? 40);
const now = new Date().toISOString();

const request = (customerId: string): DeliveryRequest => ({
  dedupKey: `rate/${customerId}/${env.RUN_TAG}`,
  customerId,
  journeyId: 'order-confirmation',
  journeyVersion: 'v1',
  workflowId: `journey/order-confirmation/${customerId}/rate`,
  runId: randomUUID(),
  stepId: 'confirm',
  template: 'welcome-1',
  channels: ['email'],
  intentKey: `rate-${env.RUN_TAG}`,
  category: 'transactional',
  tags: [],
  overCap: 'skip',
  quietHours: 'defer',
  trigger: { messageId: `m-${customerId}`, name: 'Order Completed', properties: {}, occurredAt: now },
});

const counts = { sent: 0, other: 0, retries: 0 };

/** MODE=adapter: the governor and the email adapter alone (no reservation, render or ledger). */
const governor = createRateGovernor({ db: handle.db, limits: config.rateLimits });
const adapter = channelModules.email.fromConfig({ config, secrets: {}, publicBaseUrl: 'http://127.0.0.1:1' });
async function sendBare(customerId: string) {
  if (!adapter) throw new Error('SMTP_URL is not set');
  const recipient = { channel: 'email' as const, email: `${customerId}@example.test` };
  await governor.acquire(
    { channel: 'email', account: adapter.rateAccount!(recipient) },
    { priority: 'triggered' },
  );
  const message = { channel: 'email' as const, subject: 'Rate', html: '<p>Rate</p>', text: 'Rate' };
  const idempotencyKey = `rate/${customerId}/${env.RUN_TAG}`;
  await adapter.send({ message, recipient, idempotencyKey, category: 'transactional' });
  counts.sent++;
}

async function send(customerId: string) {
  if (env.MODE === 'adapter') return sendBare(customerId);
  for (let attempt = 1; attempt <= 10; attempt++) {
    try {
      const outcome = await deliverer.deliver(request(customerId), { attempt });
      if (outcome.status === 'sent') counts.sent++;
      else counts.other++;
      return;
    } catch {
      counts.retries++;
    }
  }
}

// Ready; the test starts every process at once with a line on stdin (bounded: 2 minutes).
process.stdout.write('ready\n');
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no "go" within 2 minutes')), 120_000);
  process.stdin.once('data', () => {
    clearTimeout(timer);
    process.stdin.destroy(); // an open stdin would keep this process alive once it is done
    resolve();
  });
});
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < ids.length) await send(ids[next++]!);
  }),
);
const cpuMs = Math.round(process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000);
process.stdout.write(`${JSON.stringify({ share, customers: ids.length, ...counts, cpuMs })}\n`);
await handle.close();
