import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

/** The ingest measuring script runs end to end (tiny sizes: a smoke test, no timing asserted). */
describe('scripts/measure-ingest.ts', () => {
  it('posts batches against a scratch API and prints events/s', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        'node_modules/tsx/dist/cli.mjs',
        'scripts/measure-ingest.ts',
        '--batches',
        '4',
        '--clients',
        '2',
        '--users',
        '2',
        // As README "Segments" measures it (10 there): segments kept as the events are stored.
        '--segments',
        '2',
      ],
      { env: { ...process.env, DATABASE_URL: inject('postgresAdminUrl') }, timeout: 60_000 },
    );
    expect(stdout).toMatch(
      /^80 events in 4 batches of 20, 2 clients: [\d.]+ s, \d+ events\/s, API process [\d.]+ CPU ms\/event$/m,
    );
  }, 90_000);
});
