import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../config/config.js';
import { ensureDatabase } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import { freePort } from '../infra/free-port.js';
import { runProcess } from '../infra/run-process.js';
import { ResourceStack } from '../infra/resource-stack.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { resolveTemporalExecutable } from '../infra/temporal-executables.js';
import { databaseUrl, dropDatabases } from './helpers/database-admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL to the maintenance database of the test PostgreSQL server. */
    postgresAdminUrl: string;
    /** Migrated database that each test file clones. */
    templateDatabase: string;
    /** Prefix of every database the run creates, dropped at the end. */
    databasePrefix: string;
    temporalCli: string;
    temporalTestServer: string;
    /** A headless dev server with the project's search attributes, for tests that need real time or visibility. */
    devServerAddress: string;
  }
}

/**
 * Once per run: the Temporal executables (installed if missing), PostgreSQL (DATABASE_URL, else
 * an embedded server in a temp folder), a migrated template database, and a shared dev server.
 * Each test file then clones its own database and uses its own task queue.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig();
  const stack = new ResourceStack();
  const log = (message: string) => process.stderr.write(`[global-setup] ${message}\n`);

  // The CLI tests run the compiled CLI, as users do after `npm install` (bin/omnijourney.js).
  const built = await runProcess(
    process.execPath,
    [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))],
    { timeoutMs: 120_000 },
  );
  if (built.code !== 0) throw new Error(`compiling the CLI failed:\n${built.stderr}`);

  const [temporalCli, temporalTestServer] = [
    await resolveTemporalExecutable('cli', {
      overridePath: config.temporal.cliPath,
      toolsDir: config.toolsDir,
      onInstall: log,
    }),
    await resolveTemporalExecutable('testServer', {
      overridePath: config.temporal.testServerPath,
      toolsDir: config.toolsDir,
      onInstall: log,
    }),
  ];

  let postgresAdminUrl: string;
  if (config.database.url) {
    postgresAdminUrl = config.database.url;
    log(`using DATABASE_URL's server`);
  } else {
    const parent = await mkdtemp(path.join(tmpdir(), 'omnijourney-test-pg-'));
    await chmod(parent, 0o755); // as root, Postgres runs as `postgres`, which must reach the cluster folder
    const dataDir = path.join(parent, 'cluster');
    stack.defer('embedded PostgreSQL folder', () => rm(parent, { recursive: true, force: true }));
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), ephemeral: true });
    stack.defer('embedded PostgreSQL', () => server.stop());
    postgresAdminUrl = server.adminUrl;
    log('using an embedded PostgreSQL');
  }

  const databasePrefix = `oj_test_${process.pid}_`;
  const templateDatabase = `${databasePrefix}template`;
  stack.defer('test databases', () => dropDatabases(postgresAdminUrl, databasePrefix));
  await ensureDatabase(postgresAdminUrl, templateDatabase);
  await migrateDatabase(databaseUrl(postgresAdminUrl, templateDatabase));

  const devServer = await startTemporalDevServer({
    executable: temporalCli,
    port: await freePort(),
    namespace: 'default',
  });
  stack.defer('temporal dev server', () => devServer.stop());

  project.provide('postgresAdminUrl', postgresAdminUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('databasePrefix', databasePrefix);
  project.provide('temporalCli', temporalCli);
  project.provide('temporalTestServer', temporalTestServer);
  project.provide('devServerAddress', devServer.address);

  return () => stack.close((name, error) => log(`stopping ${name} failed: ${String(error)}`));
}
