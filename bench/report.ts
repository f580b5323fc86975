/**
 * What the bench hands back: the table on stdout (README "Benchmark" quotes it) and the same rows as
 * JSON in the results folder (`latest.json`, or `latest-quick.json` for `--quick`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { BenchEnv } from './environment.js';
import type { Row } from './row.js';
import type { Sizes } from './sizes.js';

export interface Report {
  quick: boolean;
  /** The results folder (`--out`). */
  out: string;
  sizes: Sizes;
  rows: Row[];
  /** Messages the local SMTP server received (the SMTP journeys' sends). */
  smtpMessages: number;
}

export async function report(
  env: BenchEnv,
  { quick, out, sizes, rows, smtpMessages }: Report,
): Promise<void> {
  const machine = describeMachine(env);
  const durability = await describeDurability(env);
  const seconds = Math.round((performance.now() - env.started) / 1000);
  const at = new Date().toISOString();
  const result = { at, quick, machine, durability, sizes, seconds, rows, smtpMessages };
  process.stdout.write(
    [
      '',
      `Omnijourney bench${quick ? ' (--quick)' : ''}: ${machine}; ${seconds} s`,
      `Durability: ${durability}`,
      '',
      ...table(rows),
      '',
    ].join('\n') + '\n',
  );
  await mkdir(out, { recursive: true });
  const file = path.join(out, quick ? 'latest-quick.json' : 'latest.json');
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`JSON: ${file}\n`);
}

/** The machine and the servers the figures were measured on (the ratios only compare within a run). */
function describeMachine({ database, temporal }: BenchEnv): string {
  const cpus = os.cpus();
  return [
    `${cpus.length} × ${cpus[0]?.model ?? 'CPU'}`,
    `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
    database.source ? 'PostgreSQL at DATABASE_URL' : 'embedded PostgreSQL 17',
    temporal.target.external ? 'TEMPORAL_ADDRESS' : 'Temporal dev server (SQLite)',
  ].join(', ');
}

/**
 * What PostgreSQL says of its own durability settings (so a DATABASE_URL server is described as it
 * is), the dev server's SQLite setting, and every unsafe setting the run was asked for.
 */
async function describeDurability({ db, temporal, unsafe }: BenchEnv): Promise<string> {
  const show = async (name: 'fsync' | 'synchronous_commit') =>
    (await db.execute<Record<string, string>>(sql.raw(`show ${name}`)))[0]?.[name] ?? '?';
  const settings = [
    `PostgreSQL fsync=${await show('fsync')}, synchronous_commit=${await show('synchronous_commit')}`,
    temporal.target.external
      ? 'Temporal at TEMPORAL_ADDRESS (its own settings)'
      : `Temporal SQLite synchronous=${unsafe.length > 0 ? 'OFF' : 'FULL'}`,
  ].join('; ');
  return unsafe.length > 0 ? `UNSAFE (--unsafe-no-fsync): ${settings}` : `durable: ${settings}`;
}

/** A Markdown table, its columns padded to their widest cell. */
function table(rows: Row[]): string[] {
  const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  // A repeated figure: its median, then its range (min–max) over the repetitions.
  const withRange = (v: number | null, range: Row['range']) =>
    range ? `${text(v)} (${range.min}–${range.max})` : text(v);
  const header = [
    ...['figure', 'value', 'unit', 'baseline (same run)', 'baseline', 'ratio of medians', 'target', 'met'],
    'CPU ms per item of the unit',
    'baseline CPU ms per item',
  ];
  const cells = [
    header,
    ...rows.map((r) => [
      r.figure,
      withRange(r.value, r.range),
      r.unit,
      r.baseline,
      withRange(r.baselineValue, r.baselineRange),
      r.ratio === null ? '' : `${r.ratio}×`,
      r.target,
      r.met === null ? '' : r.met ? 'yes' : 'no',
      r.cpu ?? '',
      r.baselineCpu ?? '',
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)];
}
