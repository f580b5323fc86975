/**
 * What every phase shares: a scratch data folder, the configuration, and the servers (PostgreSQL and
 * Temporal: DATABASE_URL / TEMPORAL_ADDRESS when set, else an embedded PostgreSQL and a dev server),
 * each stopped by the resource stack when the bench ends.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { loadConfig, type Config } from '../config/config.js';
import { connectDatabase, type Database } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { provideDatabase, type ProvidedDatabase } from '../engine/database-target.js';
import { provideTemporal, type ProvidedTemporal } from '../engine/temporal-target.js';
import { createLogger, type Logger } from '../infra/logger.js';
import { ResourceStack } from '../infra/resource-stack.js';
import { installTemporalRuntime } from '../infra/temporal-runtime.js';
import { connectClient, connectWorker, ensureSearchAttributes } from '../infra/temporal-cluster.js';

/** Before any server: where the bench keeps its state, and how it logs. */
export interface BenchBase {
  started: number;
  /** Progress on stderr, with the seconds since the start. */
  log: (message: string) => void;
  stack: ResourceStack;
  dataDir: string;
  config: Config;
  logger: Logger;
}

export interface BenchEnv extends BenchBase {
  database: ProvidedDatabase;
  temporal: ProvidedTemporal;
  db: Database;
  client: Client;
  /** For workers. */
  native: NativeConnection;
  /** Keeps this run's task queues, workflow ids and customers apart from an earlier run's. */
  runTag: string;
  /** Unsafe settings this run was asked for (`--unsafe-no-fsync`); empty when durable. */
  unsafe: string[];
}

export async function prepareBench(): Promise<BenchBase> {
  const started = performance.now();
  const log = (message: string) =>
    process.stderr.write(`bench: [${Math.round((performance.now() - started) / 1000)} s] ${message}\n`);
  const stack = new ResourceStack();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'omnijourney-bench-'));
  stack.defer('bench data folder', () => rm(dataDir, { recursive: true, force: true }));
  // Free ports for the dev server and its UI unless told otherwise, so the bench can run beside `start`.
  const config = loadConfig({
    ...process.env,
    OMNIJOURNEY_DATA_DIR: dataDir,
    TEMPORAL_DEV_PORT: process.env.TEMPORAL_DEV_PORT ?? '0',
    TEMPORAL_UI_PORT: process.env.TEMPORAL_UI_PORT ?? '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  return { started, log, stack, dataDir, config, logger: createLogger(config.log, 'bench') };
}

/**
 * Durable by default, as the engine runs: PostgreSQL with fsync, synchronous commit and full-page
 * writes, the dev server's SQLite with synchronous=FULL. `unsafeNoFsync` turns all of them off (the
 * table's header says so); either way the bench's data folder is thrown away at the end.
 */
export async function startServers(base: BenchBase, unsafeNoFsync = false): Promise<BenchEnv> {
  const { config, stack, logger } = base;
  await installTemporalRuntime(logger);
  const database = await provideDatabase(config, stack, logger, { ephemeral: unsafeNoFsync });
  await migrateDatabase(database.url);
  const { db, close: closeDb } = await connectDatabase(database.url, {
    source: database.source,
    poolSize: 40,
  });
  stack.defer('database pool', closeDb);
  const temporal = await provideTemporal(config, stack, logger, { unsafeNoSync: unsafeNoFsync });
  const connection = await connectClient(temporal.target);
  stack.defer('client connection', () => connection.close());
  await ensureSearchAttributes(connection, temporal.target.namespace, logger);
  const client = new Client({ connection, namespace: temporal.target.namespace });
  const native = await connectWorker(temporal.target);
  stack.defer('worker connection', () => native.close());
  const runTag = randomUUID().slice(0, 8);
  base.log(
    `servers up (${database.source ?? 'embedded PostgreSQL'}, ${temporal.target.external ? 'TEMPORAL_ADDRESS' : 'dev server'})`,
  );
  const unsafe = !unsafeNoFsync
    ? []
    : [
        ...(database.source ? [] : ['PostgreSQL fsync=off, synchronous_commit=off, full_page_writes=off']),
        ...(temporal.target.external ? [] : ['Temporal SQLite synchronous=OFF']),
      ];
  return { ...base, database, temporal, db, client, native, runTag, unsafe };
}
