import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { maskUrl } from '../config/config.js';
import { UserError } from '../infra/user-error.js';
import * as schema from './schema.js';

export type Database = PostgresJsDatabase<typeof schema>;

export interface DatabaseHandle {
  db: Database;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface ConnectOptions {
  poolSize?: number;
  /** Variable the URL came from, named in errors. */
  source?: string;
}

/** Opens a pool and checks it with one round trip, so a wrong URL fails here in one line. */
export async function connectDatabase(url: string, options: ConnectOptions = {}): Promise<DatabaseHandle> {
  const sql = postgres(url, {
    max: options.poolSize ?? 10,
    connect_timeout: 10,
    onnotice: () => undefined,
  });
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 1 });
    const source = options.source ? `${options.source}=` : '';
    throw new UserError(
      `cannot connect to PostgreSQL at ${source}${maskUrl(url)} (${describePgError(error)})`,
      options.source
        ? `check that the server runs and the URL's user, password and database are right, or unset ${options.source} to use the embedded PostgreSQL`
        : undefined,
    );
  }
  return { db: drizzle(sql, { schema }), sql, close: () => sql.end({ timeout: 5 }) };
}

export function describePgError(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, message } = error as { code?: string; message?: string };
    return [code, message].filter(Boolean).join(': ') || String(error);
  }
  return String(error);
}

/** Creates a database on the server if it does not exist yet. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const [row] = await sql<{ exists: boolean }[]>`
      select exists(select 1 from pg_database where datname = ${name}) as exists`;
    if (!row?.exists) await sql.unsafe(`create database ${quoteIdent(name)}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
