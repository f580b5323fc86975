import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSmtpPeer, type SmtpPeer } from './smtp-peer.js';
import { createTimeSkippingEnvironment } from './temporal.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** What the email journey tests run against: a time-skipping server, a fresh database, the SMTP peer. */
export interface EmailJourneyServers {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  smtp: SmtpPeer;
  close(): Promise<void>;
}

/** Starts the three side by side; `close` stops them (after the test's harness has closed). */
export async function startEmailJourneyServers(): Promise<EmailJourneyServers> {
  const [env, database, smtp] = await Promise.all([
    createTimeSkippingEnvironment(),
    createTestDatabase(),
    startSmtpPeer(),
  ]);
  return {
    env,
    database,
    smtp,
    async close() {
      await env.teardown();
      await smtp.close();
      await database.drop();
    },
  };
}
