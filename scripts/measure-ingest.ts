/**
 * Measures ingest of events that start nothing, the way SDKs send them: `POST /v1/batch` with 20
 * track calls each, from K keep-alive clients at once, identity resolution included.
 *
 *   npx tsx scripts/measure-ingest.ts [--batches 300] [--clients 8] [--users 200] [--size 20]
 *     [--url URL --write-key KEY] [--profile DIR] [--segments N]
 *
 * Without --url it makes a scratch database on DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/postgres), starts the API with the journey router in a child
 * process (so the load generator does not share its event loop), and drops the database after.
 * `--segments N` deploys N event-driven segments on `Product Viewed` (half the events) first: the
 * cost of keeping segment membership as events are stored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { pino } from 'pino';
import { startApiServer } from '../api/api-server.js';
import { connectDatabase, quoteIdent } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { deploySegments } from '../audiences/segment-store.js';
import { validateSegment } from '../domain/segment-definition.js';
import { createAudienceRouter } from '../runs/audience-router.js';
import { createJourneyRouter } from '../runs/journey-router.js';

const { values: args } = parseArgs({
  options: {
    batches: { type: 'string', default: '300' },
    clients: { type: 'string', default: '8' },
    users: { type: 'string', default: '200' },
    size: { type: 'string', default: '20' },
    url: { type: 'string' },
    'write-key': { type: 'string' },
    serve: { type: 'string' },
    /** A directory for a CPU profile of the API process (node --cpu-prof). */
    profile: { type: 'string' },
    segments: { type: 'string', default: '0' },
  },
});

/** Child mode: the API on a free port against `--serve <database url>`; prints its URL and key. */
async function serve(databaseUrl: string): Promise<void> {
  const { db } = await connectDatabase(databaseUrl, { poolSize: 10 });
  // No run starts or wakes here, so the router never calls Temporal: a lazy connection stays closed.
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const logger = pino({ level: 'silent' });
  const writeKey = `wk_${randomBytes(8).toString('hex')}`;
  const secret = () => randomBytes(32).toString('hex');
  const server = await startApiServer({
    db,
    // As the engine serves it: segments (any deployed in the scratch database) in front of journeys.
    router: createAudienceRouter({
      db,
      journeys: createJourneyRouter({ db, client, taskQueue: 'measure-ingest', logger }),
      logger,
    }),
    secrets: {
      writeKeys: [writeKey],
      clientKeys: [],
      userTokenSecret: secret(),
      adminToken: secret(),
      unsubscribeSecret: secret(),
      twilioAuthToken: secret(),
      vapid: { publicKey: 'unused', privateKey: 'unused', subject: 'mailto:measure@example.com' },
    },
    logger,
    host: '127.0.0.1',
    port: 0,
  });
  // An orderly exit, so that --cpu-prof writes its profile.
  process.once('SIGTERM', () => void server.close().finally(() => process.exit(0)));
  process.stdout.write(`${JSON.stringify({ url: server.url, writeKey })}\n`);
}

/** N segments on `Product Viewed` of one sku each (2 views in 7 days), as a shop's browse segments. */
async function deployMeasureSegments(databaseUrl: string, n: number): Promise<void> {
  if (n <= 0) return;
  const definitions = Array.from({ length: n }, (_, i) => {
    const checked = validateSegment({
      id: `measure-${i}`,
      name: `Viewed sku-${2 * i + 1} twice this week`,
      conditions: [
        {
          event: 'Product Viewed',
          where: { path: 'event.properties.sku', op: 'eq', value: `sku-${2 * i + 1}` },
          count: { gte: 2 },
          within: '7d',
        },
      ],
    });
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    return checked.definition;
  });
  const handle = await connectDatabase(databaseUrl, { poolSize: 1 });
  try {
    await deploySegments(handle.db, definitions);
  } finally {
    await handle.close();
  }
}

/** A scratch database with the migrations applied, and the API on it in a child process. */
async function startScratchApi(): Promise<{
  url: string;
  writeKey: string;
  pid: number | undefined;
  stop(): Promise<void>;
}> {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `measure_ingest_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${quoteIdent(name)}`);
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${name}`;
  await migrateDatabase(databaseUrl.href);
  await deployMeasureSegments(databaseUrl.href, Number(args.segments));
  const self = fileURLToPath(import.meta.url);
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...profile, ...process.execArgv, self, '--serve', databaseUrl.href],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (!child.stdout) throw new Error('the API process has no stdout');
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const { url, writeKey } = JSON.parse(line.toString()) as { url: string; writeKey: string };
  return {
    url,
    writeKey,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
      await admin.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/** User plus system CPU time of a process in ms (Linux /proc), or undefined elsewhere. */
async function cpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, the 14th and 15th fields, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** One SDK-sized batch from one user: track calls no journey listens to. */
function batchOf(user: number, size: number): string {
  const userId = `measure-user-${user}`;
  const anonymousId = `measure-anon-${user}`;
  const batch = Array.from({ length: size }, (_, index) => ({
    type: 'track',
    event: index % 2 === 0 ? 'Page Scrolled' : 'Product Viewed',
    userId,
    anonymousId,
    messageId: randomUUID(),
    properties: { index, sku: `sku-${index}`, price: 10 + index },
    context: { library: { name: 'analytics-node', version: '6.0.0' }, locale: 'en-US' },
    timestamp: new Date().toISOString(),
  }));
  return JSON.stringify({ batch, sentAt: new Date().toISOString() });
}

async function main(): Promise<void> {
  if (args.serve) return serve(args.serve);
  const [batches, clients, users, size] = [
    Number(args.batches),
    Number(args.clients),
    Number(args.users),
    Number(args.size),
  ];
  const target =
    args.url && args['write-key']
      ? { url: args.url, writeKey: args['write-key'], pid: undefined, stop: async () => undefined }
      : await startScratchApi();
  const authorization = `Basic ${Buffer.from(`${target.writeKey}:`).toString('base64')}`;
  const post = async (body: string) => {
    const response = await fetch(`${target.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`POST /v1/batch answered ${response.status}: ${text}`);
  };
  try {
    // Warm-up: each user's customer exists afterwards, as for a shop's returning visitors.
    for (let user = 0; user < users; user += clients)
      await Promise.all(
        Array.from({ length: Math.min(clients, users - user) }, (_, i) => post(batchOf(user + i, 1))),
      );
    let next = 0;
    const cpuBefore = await cpuMs(target.pid);
    const started = performance.now();
    const client = async () => {
      while (next < batches) {
        const index = next++;
        await post(batchOf(index % users, size));
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = await cpuMs(target.pid);
    const events = batches * size;
    // CPU per event holds still when other processes share the cores; events/s does not.
    const cpu =
      cpuBefore !== undefined && cpuAfter !== undefined
        ? `, API process ${((cpuAfter - cpuBefore) / events).toFixed(3)} CPU ms/event`
        : '';
    console.log(
      `${events} events in ${batches} batches of ${size}, ${clients} clients: ${seconds.toFixed(2)} s, ` +
        `${Math.round(events / seconds)} events/s${cpu}`,
    );
  } finally {
    await target.stop();
  }
}

await main();
