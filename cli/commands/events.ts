import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { simulateShop } from '../../demo/shop-simulation.js';
import { UserError } from '../../infra/user-error.js';
import { withDeployment } from '../deployment.js';
import { importEvents, parseEventLine, type ImportProgress, type ImportResult } from '../event-import.js';
import { postBatch } from '../../api/ingest-client.js';
import { print, type OutputOptions } from '../output.js';
import { action, exitCodes } from '../run-action.js';
import { wholeNumber } from '../whole-number.js';

/** A progress bar on stderr (stdout stays clean for --json): bytes done, lines, rate and ETA. */
function progressBar(): ImportProgress {
  const bar = new cliProgress.SingleBar(
    {
      format: 'importing [{bar}] {percentage}% | {lines} lines | {rate} lines/s | ETA {eta_formatted}',
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 2_000,
      etaBuffer: 50,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = Date.now();
  return {
    start(totalBytes) {
      started = Date.now();
      bar.start(Math.max(totalBytes, 1), 0, { lines: 0, rate: 0 });
    },
    update(bytesRead, lines) {
      const seconds = (Date.now() - started) / 1000;
      bar.update(bytesRead, { lines, rate: seconds > 0 ? Math.round(lines / seconds) : 0 });
    },
    stop() {
      bar.stop();
    },
  };
}

function summary(file: string, result: ImportResult, seconds: number): string {
  const lines = [
    `${file}: ${result.lines} lines in ${seconds.toFixed(1)} s — ${result.stored} new events, ${result.duplicates} already imported, ${result.bad.length} bad lines`,
  ];
  const shown = result.bad.slice(0, 100);
  for (const bad of shown) lines.push(`  line ${bad.line}: ${bad.problem}`);
  if (result.bad.length > shown.length) lines.push(`  … and ${result.bad.length - shown.length} more`);
  return lines.join('\n') + '\n';
}

export function registerEvents(program: Command): void {
  const events = program.command('events').description('Send customer events to the ingest API.');
  sendCommand(events);
  generateCommand(events);
  importCommand(events);
}

/** `events send`: one message through the ingest API, as an SDK would send it. */
function sendCommand(events: Command): void {
  events
    .command('send')
    .argument(
      '<json>',
      'one Segment message as JSON (type, userId or anonymousId, event, properties…), or - for stdin',
    )
    .description('Send one event through the ingest API, as an SDK would.')
    .option('--json', 'print JSON')
    .action(
      action(async (json: string, options: OutputOptions) => {
        const text = json === '-' ? readFileSync(0, 'utf8') : json;
        const parsed = parseEventLine(text.trim());
        if ('problem' in parsed) throw new UserError(`the event is not valid: ${parsed.problem}`);
        await withDeployment(loadConfig(), async (deployment) => {
          const reply = await postBatch(await deployment.api(), [parsed.message]);
          const result = { messageId: parsed.message.messageId, ...reply };
          print(options, result, (r) =>
            r.stored > 0
              ? `stored ${String(r.messageId)}\n`
              : `already stored ${String(r.messageId)} (same messageId)\n`,
          );
        });
      }),
    );
}

/** `events generate`: a simulated shop as NDJSON. */
function generateCommand(events: Command): void {
  events
    .command('generate')
    .description(
      'Write a realistic shop’s events as NDJSON (sign-ups, browsing, carts, orders), for trying imports.',
    )
    .option('--lines <n>', 'stop after this many lines', '1000')
    .option('--seed <n>', 'the same seed gives the same file', '42')
    .option('--days <n>', 'spread the events over this many days, ending now', '7')
    .option('--out <file>', 'write here instead of stdout')
    .action(
      action(async (options: { lines: string; seed: string; days: string; out?: string }) => {
        const lines = wholeNumber('--lines', options.lines, 1, 10_000_000);
        const seed = wholeNumber('--seed', options.seed, 0, 2 ** 31);
        const days = wholeNumber('--days', options.days, 1, 3650);
        const to = new Date();
        const messages = simulateShop({
          seed,
          // Each customer yields about 5 messages; generate a few more and cut at --lines.
          customers: Math.ceil(lines / 4),
          from: new Date(to.getTime() - days * 86_400_000),
          to,
        }).slice(0, lines);
        const text = messages.map((m) => JSON.stringify(m)).join('\n') + '\n';
        if (options.out) {
          await writeFile(options.out, text).catch((error: NodeJS.ErrnoException) => {
            throw new UserError(`cannot write ${options.out} (${error.code ?? 'error'})`);
          });
          process.stderr.write(`${messages.length} lines written to ${options.out}\n`);
        } else process.stdout.write(text);
      }),
    );
}

/** `events import`: history from NDJSON, in order, re-runnable. */
function importCommand(events: Command): void {
  events
    .command('import')
    .argument('<file>', 'newline-delimited JSON, one Segment message per line')
    .description(
      'Import history from an NDJSON file, in order: profiles and timelines take it in, journeys do not react (--live: they do). Bad lines are reported by number and the rest imported; re-running imports nothing twice (messageId, or a hash of the line).',
    )
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .option(
      '--live',
      'send as live traffic: journeys start and wake for these events (default: history, they do not)',
    )
    .action(
      action(async (file: string, options: OutputOptions & { progress: boolean; live?: boolean }) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const started = Date.now();
          const result = await importEvents(file, await deployment.api(), {
            progress: options.progress ? progressBar() : undefined,
            live: options.live,
          });
          print(options, result, (r) => summary(file, r, (Date.now() - started) / 1000));
          if (result.bad.length > 0) process.exitCode = exitCodes.failure;
        });
      }),
    );
}
