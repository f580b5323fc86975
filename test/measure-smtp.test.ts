import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** The SMTP measuring script runs end to end and exits (tiny sizes: a smoke test, no timing asserted). */
describe('scripts/measure-smtp.ts', () => {
  it('prints messages/s and CPU per message for both ways of sending', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['node_modules/tsx/dist/cli.mjs', 'scripts/measure-smtp.ts', '--messages', '40', '--senders', '4'],
      { timeout: 60_000 },
    );
    for (const name of ['a connection per message', 'kept connections \\(the email adapter\\)'])
      expect(stdout).toMatch(
        new RegExp(
          `^${name}: 40 messages, 4 senders: \\d+ messages/s, [\\d.]+ CPU ms/message \\(both sides\\)$`,
          'm',
        ),
      );
  }, 90_000);
});
