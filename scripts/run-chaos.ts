/**
 * `npm run test:chaos`: the chaos suite at full size (CHAOS=full), then one summary of what every
 * test measured. Exits non-zero if a test failed or any duplicate, loss or cap violation was seen.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const folder = await mkdtemp(path.join(tmpdir(), 'omnijourney-chaos-report-'));
const report = path.join(folder, 'figures.jsonl');
const started = Date.now();
const code = await new Promise<number>((resolve) => {
  const child = spawn(
    process.execPath,
    [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/chaos', ...process.argv.slice(2)],
    {
      cwd: root,
      env: { ...process.env, CHAOS: 'full', CHAOS_REPORT: report },
      stdio: 'inherit',
    },
  );
  child.once('exit', (exit) => resolve(exit ?? 1));
});
const lines = (await readFile(report, 'utf8').catch(() => ''))
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { test: string; figures: Record<string, number | string> });
await rm(folder, { recursive: true, force: true });

const sum = (key: string) =>
  lines.reduce(
    (total, { figures }) => total + (typeof figures[key] === 'number' ? (figures[key] as number) : 0),
    0,
  );
const totals = {
  runs: sum('runs') + sum('customers'),
  kills: sum('kills'),
  'messages expected': sum('messages expected'),
  delivered: sum('delivered'),
  duplicated: sum('duplicated'),
  lost: sum('lost'),
  'cap violations': sum('cap violations'),
  'intent repeats': sum('intent repeats'),
};
const out = [
  '',
  `Chaos summary (${Math.round((Date.now() - started) / 1000)} s, vitest exit ${code})`,
  ...lines.map(
    ({ test, figures }) =>
      `  ${test}: ${Object.entries(figures)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · ')}`,
  ),
  '',
  `  TOTAL: ${Object.entries(totals)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ')}`,
  '',
];
process.stdout.write(out.join('\n') + '\n');
const broken = totals.duplicated + totals.lost + totals['cap violations'] + totals['intent repeats'];
process.exit(code !== 0 ? code : broken > 0 || lines.length === 0 ? 1 : 0);
