import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';

/**
 * Activities of the raw baselines; `firstActivity` records when each key's activity began;
 * `ledgerRow` writes one row to PostgreSQL (the least an exactly-once send needs).
 */
export function createRawActivities(startedAt: Map<string, number>, db: Database) {
  return {
    async noop(): Promise<void> {},
    async firstActivity(key: string): Promise<void> {
      startedAt.set(key, performance.now());
    },
    async ledgerRow(key: string): Promise<void> {
      await db.execute(sql`insert into bench_raw_ledger (key) values (${key})`);
    },
  };
}

/** The scratch table `ledgerRow` writes to (the bench's database is its own; dropped with it). */
export async function createRawLedger(db: Database): Promise<void> {
  await db.execute(sql`create table if not exists bench_raw_ledger (key text primary key)`);
}

export type RawActivities = ReturnType<typeof createRawActivities>;
