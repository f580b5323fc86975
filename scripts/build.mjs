// Compiles the CLI's TypeScript to JavaScript in dist/ (same folder layout, ESM), so a command
// starts without compiling anything. Run by scripts/postinstall.mjs, `npm run build` and the test
// setup; bin/omnijourney.js uses dist/ only while its fingerprint matches the sources.
// OMNIJOURNEY_DIST_DIR builds (and runs) elsewhere, for tests.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { projectRoot, sourceFiles, sourceFingerprint } from './source-fingerprint.mjs';

export const manifestName = 'build-manifest.json';

/** Builds into a fresh folder, then swaps it in: a CLI starting meanwhile sees a whole build or none. */
export async function buildCli(out = process.env.OMNIJOURNEY_DIST_DIR || path.join(projectRoot, 'dist')) {
  const files = sourceFiles();
  // Taken before compiling: a file edited during the build makes the build stale, not wrong.
  const fingerprint = sourceFingerprint(projectRoot, files);
  const next = `${out}.next-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });
  await build({
    entryPoints: files.map((file) => path.join(projectRoot, file)),
    outbase: projectRoot,
    outdir: next,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(
    path.join(next, manifestName),
    JSON.stringify({
      root: projectRoot,
      fingerprint,
      files: files.length,
      builtAt: new Date().toISOString(),
    }),
  );
  rmSync(out, { recursive: true, force: true });
  renameSync(next, out);
  return { out, files: files.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  const { out, files } = await buildCli();
  process.stdout.write(`compiled ${files} files to ${out} in ${Date.now() - started} ms\n`);
}
