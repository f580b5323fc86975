/**
 * The layer order (README "Architecture"), checked on every `npm test`: a module imports only from
 * its own layer or the ones below. Workflow code imports only `domain/` and activity *types*
 * (it runs in Temporal's deterministic sandbox); only a workflow's `lifecycle.ts`, the client side
 * that starts and signals runs, may use more. Tests sit above everything and are not checked.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot, report, sourceFiles, type SourceProblem } from './source-check.js';

/** Bottom to top. A folder missing here is an error: every new folder takes a place in the order. */
export const layers: readonly (readonly string[])[] = [
  ['domain'],
  ['infra'],
  ['config', 'db'],
  ['customers', 'catalog', 'delivery', 'journeys', 'audiences'],
  ['runs', 'activities', 'workflows'],
  ['api', 'worker', 'demo'],
  ['engine'],
  ['cli', 'bench', 'scripts', 'bin'],
];

const rank = new Map(layers.flatMap((folders, i) => folders.map((folder) => [folder, i] as const)));
const isTest = (file: string) => file.startsWith('test/') || /\.test\.ts$/.test(file);
const importPattern =
  /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

export type LayerProblem = SourceProblem;

/** Every relative import of the tracked source files that runs against the order. */
export function layerProblems(root: string, files: readonly string[]): LayerProblem[] {
  const problems: LayerProblem[] = [];
  for (const file of files) {
    if (isTest(file) || !file.includes('/')) continue;
    const folder = file.split('/')[0] ?? '';
    const own = rank.get(folder);
    const text = readFileSync(path.join(root, file), 'utf8');
    const lineOf = (index: number) => text.slice(0, index).split('\n').length;
    if (own === undefined) {
      problems.push({ file, line: 1, message: `folder "${folder}/" has no place in the layer order` });
      continue;
    }
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[3] ?? match[4] ?? '';
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const targetFolder = target.split('/')[0] ?? '';
      const line = lineOf(match.index ?? 0);
      const targetRank = rank.get(targetFolder);
      if (targetRank === undefined || targetRank > own) {
        problems.push({ file, line, message: `${folder}/ imports ${target}, which is above it` });
        continue;
      }
      const typeOnly = match[2] !== undefined;
      if (folder === 'workflows' && !file.endsWith('/lifecycle.ts')) {
        const allowed =
          targetFolder === 'domain' ||
          targetFolder === 'workflows' ||
          (targetFolder === 'activities' && typeOnly);
        if (!allowed)
          problems.push({
            file,
            line,
            message: `workflow code imports ${target}: only domain/ and activity types are allowed`,
          });
      }
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = sourceFiles(['*.ts', '*.mts', '*.js', '*.mjs']);
  report(
    layerProblems(projectRoot, files),
    'import(s) against the layer order (README "Architecture")',
    `layers: ${files.length} files, no import against the order`,
  );
}
