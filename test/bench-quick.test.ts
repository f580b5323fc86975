import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { runProcess } from '../infra/run-process.js';
import { cliEnv } from './helpers/cli.js';
import { createTestDatabase } from './helpers/test-database.js';

const benchScript = fileURLToPath(new URL('../bench/run-bench.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));

/**
 * `npm run bench -- --quick` keeps working: every figure is measured and written. No timing is
 * asserted here (timings belong to the bench's own printed ratios, not to a test on a busy machine).
 */
describe('npm run bench -- --quick', () => {
  it('measures every figure with its same-run baseline and writes the JSON', async () => {
    const [database, out] = await Promise.all([
      createTestDatabase({ empty: true }),
      mkdtemp(path.join(tmpdir(), 'omnijourney-bench-')),
    ]);
    try {
      const result = await runProcess(process.execPath, [tsx, benchScript, '--quick', '--out', out], {
        env: cliEnv({ DATABASE_URL: database.url, TEMPORAL_CLI_PATH: inject('temporalCli') }),
        timeoutMs: 280_000,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/\| ingest of journey triggers .*\| \d/);
      // Durable unless asked otherwise, and the header says which (PostgreSQL here is CI's own: as set).
      expect(result.stdout).toMatch(
        /Durability: durable: PostgreSQL fsync=\w+, synchronous_commit=\w+; Temporal SQLite synchronous=FULL/,
      );
      const json = JSON.parse(await readFile(path.join(out, 'latest-quick.json'), 'utf8')) as {
        rows: {
          figure: string;
          value: number;
          baselineValue: number | null;
          ratio: number | null;
          cpu?: string;
          range?: { values: number[] };
          baselineRange?: { values: number[] };
        }[];
      };
      const figures = json.rows.map((row) => row.figure).join('\n');
      for (const figure of [
        'ingest of journey triggers',
        'ingest of events that start and wake nothing',
        'journeys, 3 sends, no-op adapter',
        'journeys, 3 sends, local SMTP server',
        'raw 3-activity workflow, a PostgreSQL ledger row each',
        'trigger-to-provider p99',
        'cap check + ledger reservation p99, 200/s offered',
        'worker RSS with',
        'wake-up drain',
        'customers, no-op adapter (counted when its workflow completed)',
        'customers, local SMTP server (counted when its workflow completed)',
        'of customers in their segments, whose events 10 segments count',
        'whose every event enters one of 10 segments',
      ])
        expect(figures).toContain(figure);
      // The HTTP load runs in a process of its own, and each process's CPU per event is reported.
      const ingestCpu = json.rows[0]?.cpu ?? '';
      for (const process of ['Temporal', 'engine', 'load generator'])
        expect(ingestCpu, process).toMatch(new RegExp(`${process} (0\\.\\d*[1-9]|[1-9])`));
      for (const row of json.rows) {
        expect(Number.isFinite(row.value), row.figure).toBe(true);
        if (row.baselineValue !== null) {
          expect(row.ratio, row.figure).toBeGreaterThan(0);
          // Compared figures are measured A-B-B-A: three times each side.
          expect(row.range?.values, row.figure).toHaveLength(3);
          expect(row.baselineRange?.values, row.figure).toHaveLength(3);
        }
      }
    } finally {
      await database.drop();
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});
