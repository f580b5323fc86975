import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCli, waitForExit } from './helpers/cli.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/** `omnijourney worker` itself: what it says at start when marketing mail could not be unsubscribed from. */
describe('compliance: a worker process started without the unsubscribe settings', () => {
  let database: TestDatabase;
  let smtp: SmtpPeer;
  let dataDir: string;
  beforeAll(async () => {
    [database, smtp, dataDir] = await Promise.all([
      createTestDatabase(),
      startSmtpPeer(),
      mkdtemp(path.join(os.tmpdir(), 'omnijourney-worker-')),
    ]);
  });
  afterAll(async () => {
    await smtp?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints one clear line that marketing is refused, and why; with the settings, none', async () => {
    const base = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      TEMPORAL_TASK_QUEUE: `compliance-${randomUUID()}`,
      OMNIJOURNEY_DATA_DIR: dataDir,
      SMTP_URL: smtp.url,
      SHOP_URL: 'https://shop.example.com',
    };
    const linesOf = async (env: Record<string, string>) => {
      const worker = await startCli(['worker'], { ...base, ...env }, 'worker polling');
      worker.child.kill('SIGINT');
      expect(await waitForExit(worker.child, 60_000)).toBe(0);
      return (worker.stdout() + worker.stderr()).split('\n').filter((l) => l.includes('refused'));
    };

    const bare = await linesOf({});
    expect(bare).toHaveLength(1);
    expect(JSON.parse(bare[0]!)).toMatchObject({
      level: 40,
      msg: 'marketing refused: UNSUBSCRIBE_SECRET and PUBLIC_BASE_URL are not set on this worker, so the message could carry no working unsubscribe link; transactional messages are sent',
    });
    const configured = await linesOf({
      UNSUBSCRIBE_SECRET: 'u'.repeat(40),
      PUBLIC_BASE_URL: 'https://engine.shop.example.com',
    });
    expect(configured).toEqual([]);
  }, 180_000);
});
