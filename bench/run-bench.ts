/**
 * `npm run bench [-- --quick] [-- --waiting 1000,10000,100000] [-- --only scale]`: the engine's throughput, latency, scale and
 * memory, each next to a raw-Temporal baseline measured in the same run on the same server.
 * Starts its own dev server and PostgreSQL (or uses TEMPORAL_ADDRESS / DATABASE_URL), prints a
 * table and writes JSON to bench/results/.
 */
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { startEngine } from './engine.js';
import { prepareBench, startServers } from './environment.js';
import { runAudiences } from './phases/audiences.js';
import { runCaps } from './phases/caps.js';
import { runIngest } from './phases/ingest.js';
import { runJourneys } from './phases/journeys.js';
import { runLatency } from './phases/latency.js';
import { runScale, startScaleWorker } from './phases/scale.js';
import { startRawWorker } from './raw-worker.js';
import { report } from './report.js';
import type { Row } from './row.js';
import { startLoadGenerator } from './load-client.js';
import { sizesFor } from './sizes.js';

const options = new Command()
  .name('bench')
  .option('--quick', 'small sizes: finishes in under a minute (CI runs it so the bench keeps working)')
  .option(
    '--waiting <list>',
    'the scale curve: runs waiting at once, a comma list (grown in turn)',
    '1000,5000',
  )
  .option('--burst <n>', 'how many of the waiting journeys one wake-up burst wakes', '200')
  .option(
    '--only <phases>',
    'a comma list of phases to run: ingest, journeys, latency, caps, audiences, scale',
    'ingest,journeys,latency,caps,audiences,scale',
  )
  .option(
    '--unsafe-no-fsync',
    'run the bench’s own PostgreSQL and dev server without fsync (printed in the header)',
  )
  .option('--out <dir>', 'where the JSON goes', fileURLToPath(new URL('results', import.meta.url)))
  .parse()
  .opts<{
    quick?: boolean;
    waiting: string;
    burst: string;
    only: string;
    unsafeNoFsync?: boolean;
    out: string;
  }>();

const waiting = options.waiting.split(',').map((n) => Number(n.trim()));
if (waiting.some((n) => !Number.isInteger(n) || n < 10 || n > 1_000_000)) {
  process.stderr.write(
    `bench: --waiting ${options.waiting} is not a comma list of whole numbers from 10 to 1000000\n`,
  );
  process.exit(2);
}
waiting.sort((a, b) => a - b);
const burst = Number(options.burst);
if (!Number.isInteger(burst) || burst < 1) {
  process.stderr.write(`bench: --burst ${options.burst} is not a whole number of at least 1\n`);
  process.exit(2);
}
const phases = ['ingest', 'journeys', 'latency', 'caps', 'audiences', 'scale'];
const only = options.only.split(',').map((p) => p.trim());
const unknown = only.find((p) => !phases.includes(p));
if (unknown !== undefined) {
  process.stderr.write(
    `bench: --only ${options.only}: no phase "${unknown}" (phases: ${phases.join(', ')})\n`,
  );
  process.exit(2);
}
const quick = Boolean(options.quick);
const sizes = sizesFor(quick, waiting, burst);

const bench = await prepareBench();
try {
  const env = await startServers(bench, Boolean(options.unsafeNoFsync));
  const raw = await startRawWorker(env);
  const engine = await startEngine(env);
  const load = startLoadGenerator(env);
  const scaleWorker = only.includes('scale') ? startScaleWorker(engine) : undefined;
  const rows: Row[] = [];
  if (only.includes('ingest')) rows.push(...(await runIngest(engine, sizes, raw, load)));
  if (only.includes('journeys')) rows.push(...(await runJourneys(engine, sizes, raw)));
  if (only.includes('latency')) rows.push(...(await runLatency(engine, sizes, raw)));
  if (only.includes('caps')) rows.push(...(await runCaps(engine, sizes)));
  if (only.includes('audiences')) rows.push(...(await runAudiences(engine, sizes, load)));
  // Last: it leaves the most runs behind on the server.
  if (scaleWorker) rows.push(...(await runScale(engine, sizes, raw.queue, scaleWorker)));
  await report(env, {
    quick,
    out: options.out,
    sizes,
    rows,
    // Read at the end: only the SMTP journeys send there, and each of them has ended.
    smtpMessages: engine.smtpMessages(),
  });
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await bench.stack.close((name, error) => bench.log(`stopping ${name} failed: ${String(error)}`));
}
