import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sized } from './chaos/chaos-figures.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
const sender = fileURLToPath(new URL('./helpers/rate-sender.ts', import.meta.url));

/** `count` customers, each with a verified email address, inserted in one statement. */
async function seedCustomers(database: TestDatabase, count: number): Promise<void> {
  await database.db.execute(sql`
    with made as (
      insert into customers (traits)
      select jsonb_build_object('name', 'R' || g) from generate_series(1, ${count}) g returning id
    )
    insert into identities (customer_id, kind, value, verified_at)
    select id, 'email', id || '@example.test', now() from made`);
}

interface Worker {
  go(): void;
  done: Promise<{ sent: number; other: number; retries: number }>;
}

/** A sender process (test/helpers/rate-sender.ts), resolved once it is ready to send. */
async function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, [tsx, sender], {
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'error', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sender not ready in 60 s: ${err}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`sender exited with ${code}: ${err}`)));
  });
  const done = new Promise<{ sent: number; other: number; retries: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sender still running after 3 minutes: ${err}`));
    }, 180_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0) resolve(JSON.parse(last) as { sent: number; other: number; retries: number });
      else reject(new Error(`sender exited with ${code}: ${err}`));
    });
  });
  await ready;
  return { go: () => child.stdin.write('go\n'), done };
}

/** Messages per second the peer saw between `fromMs` after the first arrival and `tailMs` before the last. */
function steadyRate(arrivals: number[], fromMs: number, tailMs: number) {
  const sorted = [...arrivals].sort((a, b) => a - b);
  const start = sorted[0]! + fromMs;
  const end = sorted.at(-1)! - tailMs;
  const inWindow = sorted.filter((t) => t >= start && t < end).length;
  return { rate: inWindow / ((end - start) / 1000), windowMs: end - start, inWindow };
}

/** The Message-ID header of each raw message the peer kept. */
const messageIds = (raw: Buffer[]) =>
  raw.map((message) => /^Message-ID:\s*(<[^>]*>)/im.exec(message.toString('latin1'))?.[1]);

/** Two sender processes over the customers, started together; their summaries and the peer's rate. */
async function sendFromTwoProcesses(database: TestDatabase, smtp: SmtpPeer, env: Record<string, string>) {
  const shared = {
    DATABASE_URL: database.url,
    SMTP_URL: smtp.url,
    SHARES: '2',
    RUN_TAG: randomUUID(),
    ...env,
  };
  const workers = await Promise.all([0, 1].map((share) => startWorker({ ...shared, SHARE: String(share) })));
  for (const worker of workers) worker.go();
  const results = await Promise.all(workers.map((worker) => worker.done));
  // The first 2 s hold the bucket's burst (a second's tokens) and the processes' start; the last
  // second a process finishing alone.
  const measured = steadyRate(smtp.arrivals, 2_000, 1_000);
  process.stdout.write(
    `[rate-governor] ${JSON.stringify(env)}: the peer saw ${measured.rate.toFixed(1)} messages/s over ${measured.windowMs} ms (${measured.inWindow} messages); senders ${JSON.stringify(results)}\n`,
  );
  return { sent: results.reduce((sum, r) => sum + r.sent, 0), rate: measured.rate };
}

describe('the provider rate governor across worker processes', () => {
  let database: TestDatabase;
  afterAll(async () => database?.drop());
  beforeAll(async () => {
    database = await createTestDatabase();
  });

  it('two worker processes at RATE_LIMIT_EMAIL=200/s: the SMTP peer receives 200/s ± 10 %, each message once', async () => {
    // The governor in front of the configured email adapter: the whole pipeline does not reach
    // 200/s on this 2-core machine while other suites run (the next test runs it at 30/s).
    const smtp = await startSmtpPeer({ parse: false });
    try {
      const count = sized(1_600, 4_000);
      await database.db.execute(sql`truncate customers cascade`);
      await seedCustomers(database, count);
      const run = await sendFromTwoProcesses(database, smtp, {
        MODE: 'adapter',
        RATE_LIMIT_EMAIL: '200/s',
        CONCURRENCY: '200',
      });
      expect(run.sent).toBe(count);
      expect(smtp.arrivals).toHaveLength(count);
      expect(new Set(messageIds(smtp.raw)).size).toBe(count);
      expect(run.rate).toBeGreaterThanOrEqual(180);
      expect(run.rate).toBeLessThanOrEqual(220);
    } finally {
      await smtp.close();
    }
  }, 300_000);

  it('the same through the whole delivery pipeline (reservation, render, ledger) at RATE_LIMIT_EMAIL="30/s, burst 5"', async () => {
    const smtp = await startSmtpPeer({ parse: false });
    try {
      const count = sized(360, 900);
      await database.db.execute(sql`truncate customers cascade`);
      await seedCustomers(database, count);
      const run = await sendFromTwoProcesses(database, smtp, {
        RATE_LIMIT_EMAIL: '30/s, burst 5',
        CONCURRENCY: '30',
      });
      expect(run.sent).toBe(count);
      expect(new Set(messageIds(smtp.raw)).size).toBe(count);
      const sent = await database.db.execute<{ n: number }>(
        sql`select count(*)::int as n from deliveries where status = 'sent'`,
      );
      expect([...sent][0]?.n).toBe(count);
      expect(run.rate).toBeGreaterThanOrEqual(27);
      expect(run.rate).toBeLessThanOrEqual(33);
    } finally {
      await smtp.close();
    }
  }, 300_000);
});
