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
      expect(result.stdout).toMatch(/\| ingest \(HTTP, identity, storage, journey start\)\s+\| \d/);
      const json = JSON.parse(await readFile(path.join(out, 'latest-quick.json'), 'utf8')) as {
        rows: {
          figure: string;
          value: number;
          baselineValue: number | null;
          ratio: number | null;
          cpu?: string;
        }[];
        sizes: { sws: number };
        baselines: { swsRate: number; swsAcceptedRate: number; swsFinished: number };
      };
      // The raw start baseline counts runs that completed their first workflow task, each of them,
      // and the last one finishes after the server accepted the last call (no timing beyond order).
      expect(json.baselines.swsFinished).toBe(json.sizes.sws);
      expect(json.baselines.swsRate).toBeLessThan(json.baselines.swsAcceptedRate);
      expect(json.rows).toHaveLength(17);
      // CPU per item from /proc for each process the ingest rate spends (non-zero over 200 events);
      // PostgreSQL here is the shared one at DATABASE_URL, not the bench's child, so not measured.
      const ingestCpu = json.rows[0]?.cpu ?? '';
      for (const process of ['Temporal', 'engine'])
        expect(ingestCpu, process).toMatch(new RegExp(`${process} (0\\.\\d*[1-9]|[1-9])`));
      for (const row of json.rows) {
        expect(Number.isFinite(row.value), row.figure).toBe(true);
        if (row.baselineValue !== null) expect(row.ratio, row.figure).toBeGreaterThan(0);
      }
    } finally {
      await database.drop();
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});
