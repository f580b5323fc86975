import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../config/config.js';
import { migrateDatabase, migrationsFolder } from '../db/migrate.js';
import { runProcess } from '../infra/run-process.js';
import { createTestDatabase } from './helpers/test-database.js';

describe('migrations', () => {
  const scratch: string[] = [];
  afterAll(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('are in step with db/schema.ts (drizzle-kit generates nothing new)', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'omnijourney-migrations-'));
    scratch.push(out);
    await cp(migrationsFolder, out, { recursive: true });
    const result = await runProcess(
      path.join(projectRoot, 'node_modules', '.bin', 'drizzle-kit'),
      ['generate'],
      {
        cwd: projectRoot,
        // drizzle-kit only understands an `out` relative to the project.
        env: { ...process.env, OMNIJOURNEY_MIGRATIONS_OUT: path.relative(projectRoot, out) },
        timeoutMs: 120_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(await readdir(out)).toEqual(await readdir(migrationsFolder));
    expect(result.stdout + result.stderr).toContain('No schema changes');
    expect(result.stderr).not.toContain('Error');
  });

  it('apply twice, and concurrently, without error', async () => {
    const database = await createTestDatabase();
    try {
      await Promise.all([migrateDatabase(database.url), migrateDatabase(database.url)]);
      const tables = await database.sql<{ table_name: string }[]>`
        select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
      expect(tables.map((t) => t.table_name)).toEqual([
        'broadcasts',
        'consents',
        'customers',
        'deliveries',
        'events',
        'identities',
        'journey_runs',
        'journey_states',
        'journey_versions',
        'policy_versions',
        'provider_rates',
        'push_subscriptions',
        'segment_memberships',
        'segment_versions',
        'template_versions',
        'twilio_inbound_messages',
      ]);
    } finally {
      await database.drop();
    }
  });
});
