/**
 * `npm run bench [-- --quick] [-- --waiting 100000]`: the engine's throughput, latency, scale and
 * memory, each next to a raw-Temporal baseline measured in the same run on the same server.
 * Starts its own dev server and PostgreSQL (or uses TEMPORAL_ADDRESS / DATABASE_URL), prints a
 * table and writes JSON to bench/results/.
 */
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { startEngine } from './engine.js';
import { prepareBench, startServers } from './environment.js';
import { runBaselines } from './phases/baselines.js';
import { runCaps } from './phases/caps.js';
import { runIngest } from './phases/ingest.js';
import { runJourneys } from './phases/journeys.js';
import { runLatency } from './phases/latency.js';
import { rawVariantRows } from './phases/raw-variants.js';
import { runScale } from './phases/scale.js';
import { report } from './report.js';
import { sizesFor } from './sizes.js';

const options = new Command()
  .name('bench')
  .option('--quick', 'small sizes: finishes in under a minute (CI runs it so the bench keeps working)')
  .option('--waiting <n>', 'journeys waiting at once for the scale figure', '20000')
  .option('--burst <n>', 'how many of the waiting journeys one wake-up burst wakes', '200')
  .option('--out <dir>', 'where the JSON goes', fileURLToPath(new URL('results', import.meta.url)))
  .parse()
  .opts<{ quick?: boolean; waiting: string; burst: string; out: string }>();

const waiting = Number(options.waiting);
if (!Number.isInteger(waiting) || waiting < 1 || waiting > 1_000_000) {
  process.stderr.write(`bench: --waiting ${options.waiting} is not a whole number from 1 to 1000000\n`);
  process.exit(2);
}
const burst = Number(options.burst);
if (!Number.isInteger(burst) || burst < 1) {
  process.stderr.write(`bench: --burst ${options.burst} is not a whole number of at least 1\n`);
  process.exit(2);
}
const quick = Boolean(options.quick);
const sizes = sizesFor(quick, waiting, burst);

const bench = await prepareBench();
try {
  const env = await startServers(bench);
  const baselines = await runBaselines(env, sizes);
  const engine = await startEngine(env);
  // The phases run in the order the README's figures were measured in; the table lists the scale
  // figures before the cap check's.
  const ingest = await runIngest(engine, sizes, baselines);
  const journeys = await runJourneys(engine, sizes, baselines);
  const latency = await runLatency(engine, sizes, baselines);
  const caps = await runCaps(engine, sizes);
  const scale = await runScale(engine, sizes, baselines);
  await report(env, {
    quick,
    out: options.out,
    sizes,
    rows: [
      ...[...ingest, ...journeys, ...latency, ...scale, ...caps],
      ...rawVariantRows(baselines.rawRate, baselines.variants),
    ],
    baselines,
    // Read at the end: only the SMTP journeys send there, and each of them has ended.
    smtpMessages: engine.smtpMessages(),
  });
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await bench.stack.close((name, error) => bench.log(`stopping ${name} failed: ${String(error)}`));
}
