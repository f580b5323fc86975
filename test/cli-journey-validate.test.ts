import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

// Line numbers matter below: each mistake is on a line of its own.
const misspelt = `id: misspelt
name: Misspelt
trigger: { event: Signed Up }
steps:
  - id: wait-1h
    type: wait
    duraton: 1h
  - id: check
    type: branch
    when: { path: profile.traits.plan, op: eqq, value: gold }
    then: greet
    else: greet
  - id: greet
    type: sned
`;

/** `journeys validate`: each problem with its line, column, step id and a suggestion (issue 19). */
describe('omnijourney journeys validate', () => {
  let folder: string;
  let file: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-validate-'));
    file = path.join(folder, 'misspelt.yaml');
    await writeFile(file, misspelt);
    env = { OMNIJOURNEY_DATA_DIR: path.join(folder, 'data') };
  });
  afterAll(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('--json gives {path, line, column, step, message} with "did you mean" for keys, ops and step types', async () => {
    const result = await runCli(['journeys', 'validate', file, '--json'], env);
    expect(result.code).toBe(1);
    const [report] = JSON.parse(result.stdout) as { source: string; problems: unknown[] }[];
    expect(report?.source).toBe(file);
    expect(report?.problems).toEqual(
      expect.arrayContaining([
        {
          path: 'steps[0].duraton',
          line: 7,
          column: 5,
          step: 'wait-1h',
          message: 'unknown field "duraton" (did you mean "duration"?)',
        },
        {
          path: 'steps[1].when.op',
          line: 10,
          column: 44,
          step: 'check',
          message: expect.stringMatching(/got "eqq" \(did you mean "eq"\?\)$/),
        },
        {
          path: 'steps[2].type',
          line: 14,
          column: 11,
          step: 'greet',
          message: expect.stringMatching(
            /^unknown step type "sned" \(did you mean "send"\?\): one of wait, /,
          ),
        },
      ]),
    );
  });

  it('prints each problem as one line that starts with its line and column', async () => {
    const result = await runCli(['journeys', 'validate', file], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`invalid  ${file}\n`);
    expect(result.stdout).toContain(
      '  line 7, column 5: steps[0].duraton (step "wait-1h"): unknown field "duraton" (did you mean "duration"?)\n',
    );
    expect(result.stderr).toBe('');
  });
});
