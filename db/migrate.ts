import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { projectRoot } from '../infra/project-root.js';

export const migrationsFolder = path.join(projectRoot, 'db', 'migrations');

/** Arbitrary constant: the advisory lock that serialises migrations across processes. */
const migrationLockKey = 0x6f6d6e69;

/**
 * Applies the checked-in drizzle-kit migrations. Several workers may start at once, so the run
 * holds a session advisory lock; each migration runs in its own transaction, never half-applied.
 */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await sql`select pg_advisory_lock(${migrationLockKey})`;
    await migrate(drizzle(sql), { migrationsFolder });
    await sql`select pg_advisory_unlock(${migrationLockKey})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
