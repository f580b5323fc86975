import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { maskUrl } from '../infra/log-masking.js';
import { UserError } from '../infra/user-error.js';
import * as schema from './schema.js';

/** Drizzle over the pool; `$client` is the pool itself (pipelined transactions reserve connections from it). */
export type Database = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

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
  return { db: drizzle(namedStatements(sql), { schema }), sql, close: () => sql.end({ timeout: 5 }) };
}

/**
 * Drizzle asks postgres.js for unnamed statements, which postgres.js must describe before it can
 * bind them: two round trips for every query with parameters, and nothing pipelines behind it.
 * Named statements are described once per connection; after that a query is one round trip and
 * queries sent together share it. (A pooler in transaction mode needs PgBouncer 1.21 or later.)
 */
export function namedStatements<Client extends postgres.Sql>(client: Client): Client {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key !== 'unsafe') return Reflect.get(target, key, receiver) as unknown;
      return (...[text, parameters, options]: Parameters<postgres.Sql['unsafe']>) =>
        target.unsafe(text, parameters, { ...options, prepare: true });
    },
  });
}

function describePgError(error: unknown): string {
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
