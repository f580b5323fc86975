#!/usr/bin/env node
// Runs the compiled CLI (dist/, built at install by scripts/build.mjs) when it matches the sources,
// so a command starts without compiling TypeScript. When the sources changed since (or there is no
// build), it runs them through tsx instead, with a one-line note: never stale code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot, sourceFingerprint } from '../scripts/source-fingerprint.mjs';

const dist = process.env.OMNIJOURNEY_DIST_DIR || path.join(projectRoot, 'dist');

function builtFingerprint() {
  try {
    return JSON.parse(readFileSync(path.join(dist, 'build-manifest.json'), 'utf8')).fingerprint;
  } catch {
    return undefined;
  }
}

const built = builtFingerprint();
if (built !== undefined && built === sourceFingerprint()) {
  await import(pathToFileURL(path.join(dist, 'cli', 'main.js')).href);
} else {
  process.stderr.write(
    `omnijourney: ${built === undefined ? 'no compiled build' : 'sources changed since the last build'}; running them through tsx (slower to start; \`npm run build\` compiles them)\n`,
  );
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
