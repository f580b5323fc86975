import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { inject } from 'vitest';
import { connectDatabase, quoteIdent, type DatabaseHandle } from '../../db/client.js';
import { databaseUrl } from './database-admin.js';

export interface TestDatabase extends DatabaseHandle {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated (or, with `empty`, blank) database for one test file, cloned from the run's template (fast: a file
 * copy, not a re-run of migrations). Works the same on DATABASE_URL's server and the embedded one.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `${inject('databasePrefix')}${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    // Two files cloning at the same instant may see "source database is being accessed"; retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        const template = options.empty ? 'template0' : inject('templateDatabase');
        await admin.unsafe(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await sleep(100 * attempt);
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = databaseUrl(adminUrl, name);
  const handle = await connectDatabase(url, { poolSize: 5 });
  return {
    ...handle,
    url,
    name,
    async drop() {
      await handle.close();
      const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });
      try {
        await sql.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}
