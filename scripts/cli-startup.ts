/**
 * `npm run cli:startup`: how long each CLI command takes to start, as a user runs it (the compiled
 * build, bin/omnijourney.js). Each command's cheapest real invocation runs --runs times against a
 * scratch database on DATABASE_URL's server; the median per command is printed, and the script
 * fails when one is at or over --max-ms (default 1000) or exits other than expected.
 * Long-running commands (start, bundle) are timed on --help: their work is not start-up.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import postgres from 'postgres';
import { quoteIdent } from '../db/client.js';
import { runProcess } from '../infra/run-process.js';

const cli = fileURLToPath(new URL('../bin/omnijourney.js', import.meta.url));

/** [what is timed, arguments, expected exit code]. */
const cases: readonly (readonly [string, string[], number])[] = [
  ['--version', ['--version'], 0],
  ['--help', ['--help'], 0],
  ['start', ['start', '--help'], 0],
  ['worker', ['worker'], 1], // refuses at once without TEMPORAL_ADDRESS: loads, checks, exits
  ['api', ['api'], 1],
  ['bundle', ['bundle', '--help'], 0],
  ['setup', ['setup', '--help'], 0],
  ['migrate', ['migrate'], 0],
  ['journeys validate', ['journeys', 'validate', '--json'], 0],
  ['journeys graph', ['journeys', 'graph', 'abandoned-cart', '--json'], 0],
  ['journeys deploy', ['journeys', 'deploy', '--builtin', '--json'], 0],
  ['journeys list', ['journeys', 'list', '--json'], 0],
  ['journeys runs', ['journeys', 'runs', 'abandoned-cart', '--customer', 'email:a@example.com'], 1],
  ['journeys cancel', ['journeys', 'cancel', 'no-such-run', '--json'], 1],
  ['events generate', ['events', 'generate', '--lines', '10'], 0],
  ['events send', ['events', 'send', '{"type":"track","userId":"u1","event":"E"}', '--json'], 1],
  ['events import', ['events', 'import', '/nonexistent.ndjson', '--json'], 1],
  ['customers show', ['customers', 'show', 'email:nobody@example.com', '--json'], 1],
  ['deliveries list', ['deliveries', 'list', '--json'], 0],
  ['stats', ['stats', 'abandoned-cart', '--no-waiting', '--json'], 0],
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function timeOnce(args: string[], env: NodeJS.ProcessEnv) {
  const started = performance.now();
  const result = await runProcess(process.execPath, [cli, ...args], { env, timeoutMs: 60_000 });
  return { ms: performance.now() - started, ...result };
}

async function main(options: { runs: number; maxMs: number }): Promise<number> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl)
    throw new Error('set DATABASE_URL to a PostgreSQL server where a scratch database can be made');
  const name = `omnijourney_startup_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  const folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-startup-'));
  try {
    await admin.unsafe(`create database ${quoteIdent(name)}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(TEMPORAL_|OMNIJOURNEY_|DATABASE_|INGEST_)/.test(key)),
    );
    Object.assign(env, { DATABASE_URL: url.toString(), OMNIJOURNEY_DATA_DIR: folder, LOG_LEVEL: 'warn' });
    const migrated = await timeOnce(['migrate'], env);
    if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    let failed = 0;
    process.stdout.write(
      `median start-up of ${options.runs} runs (compiled CLI), limit ${options.maxMs} ms\n`,
    );
    for (const [label, args, expected] of cases) {
      const times: number[] = [];
      for (let run = 0; run < options.runs; run++) {
        const result = await timeOnce(args, env);
        if (result.code !== expected || result.stderr.includes('through tsx')) {
          process.stdout.write(`${label}: exit ${result.code}, expected ${expected}\n${result.stderr}`);
          failed++;
          break;
        }
        times.push(result.ms);
      }
      const ms = Math.round(median(times));
      const slow = !(ms < options.maxMs);
      if (slow) failed++;
      process.stdout.write(`${label.padEnd(20)} ${String(ms).padStart(5)} ms${slow ? '  TOO SLOW' : ''}\n`);
    }
    return failed === 0 ? 0 : 1;
  } finally {
    await admin.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
    await admin.end({ timeout: 5 });
    await rm(folder, { recursive: true, force: true });
  }
}

const options = new Command()
  .option('--runs <n>', 'runs per command', '5')
  .option('--max-ms <ms>', 'a median at or over this fails', '1000')
  .parse()
  .opts<{ runs: string; maxMs: string }>();
process.exitCode = await main({ runs: Number(options.runs), maxMs: Number(options.maxMs) });
