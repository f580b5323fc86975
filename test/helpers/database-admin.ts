import postgres from 'postgres';
import { quoteIdent } from '../../db/client.js';

/** The same server and credentials, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function dropDatabases(adminUrl: string, prefix: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const rows = await sql<{ datname: string }[]>`
      select datname from pg_database where starts_with(datname, ${prefix})`;
    for (const { datname } of rows)
      await sql.unsafe(`drop database if exists ${quoteIdent(datname)} with (force)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
