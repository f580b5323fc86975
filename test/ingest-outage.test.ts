import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase, ensureDatabase } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { events } from '../db/schema.js';
import { startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import { freePort } from '../infra/free-port.js';
import { postJson, startTestApi } from './helpers/api.js';

/** A real PostgreSQL stopped under the API: 503 + Retry-After (never 500), then recovery. */
describe('ingest while PostgreSQL is down', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('answers 503 with Retry-After while the database is down, and stores the retry once it is back', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'omnijourney-outage-'));
    await chmod(parent, 0o755);
    cleanups.push(() => rm(parent, { recursive: true, force: true }));
    const port = await freePort();
    const start = () => startEmbeddedPostgres({ dataDir: path.join(parent, 'pg'), port, database: 'outage' });
    let server = await start();
    cleanups.push(() => server.stop());
    await ensureDatabase(server.adminUrl, 'outage');
    await migrateDatabase(server.url);
    const database = await connectDatabase(server.url, { poolSize: 3 });
    cleanups.push(() => database.close());
    const api = await startTestApi(database.db);
    cleanups.push(() => api.close());

    const message = {
      messageId: randomUUID(),
      userId: 'outage-user',
      event: 'Product Added',
      properties: { product_id: 'p' },
    };
    await server.stop();
    const down = await postJson(api, '/v1/track', message);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(((await down.json()) as { error: string }).error).toContain('unavailable');

    server = await start();
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
      status = (await postJson(api, '/v1/track', message)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    expect(await postJson(api, '/v1/track', message).then((r) => r.status)).toBe(200);
    expect(await database.db.select().from(events)).toHaveLength(1);
    expect(api.router.calls).toHaveLength(1);
  }, 120_000);
});
