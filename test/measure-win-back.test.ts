import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

/**
 * The win-back waiting-run measure with real runs on the shared dev server (small: the README's
 * 10,000-customer figure comes from running the script once at full size).
 */
describe('scripts/measure-win-back.ts', () => {
  it('counts one waiting run per order before, none after, and one run for a lapse', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'scripts/measure-win-back.ts', '--customers', '12'],
      {
        env: {
          ...process.env,
          DATABASE_URL: inject('postgresAdminUrl'),
          TEMPORAL_ADDRESS: inject('devServerAddress'),
        },
        timeout: 150_000,
      },
    );
    expect(stdout.trim().split('\n').at(-1)).toBe(
      'win-back, 12 customers with an order: before (one 60-day run per order) 12 waiting runs; after (segment lapsed-customers) 0 waiting runs; one lapse: 1 run, completed',
    );
  }, 180_000);
});
