// What the compiled CLI (dist/) was built from, and whether the sources still match it.
// Plain JavaScript: bin/omnijourney.js runs it before any TypeScript tooling is loaded.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** The folders whose TypeScript the CLI runs (scripts/, bench/ and test/ keep running through tsx). */
export const compiledFolders = [
  'domain',
  'infra',
  'config',
  'db',
  'customers',
  'catalog',
  'delivery',
  'journeys',
  'audiences',
  'runs',
  'activities',
  'workflows',
  'api',
  'worker',
  'demo',
  'engine',
  'cli',
];

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts');

/** Every compiled source file, relative to the project root, sorted (bounded walk). */
export function sourceFiles(root = projectRoot) {
  const files = [];
  const queue = [...compiledFolders];
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    const folder = queue[i];
    let entries;
    try {
      entries = readdirSync(path.join(root, folder), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const rel = `${folder}/${entry.name}`;
      if (entry.isDirectory()) queue.push(rel);
      else if (isSource(entry.name)) files.push(rel);
    }
  }
  return files.sort();
}

/** Changes when a source file is added, removed or modified, or the project moves. */
export function sourceFingerprint(root = projectRoot, files = sourceFiles(root)) {
  const hash = createHash('sha256').update(root);
  for (const file of files) {
    const { size, mtimeMs } = statSync(path.join(root, file));
    hash.update(`\n${file}:${size}:${mtimeMs}`);
  }
  return hash.digest('hex');
}
