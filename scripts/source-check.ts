/** What the structure checks share: the project's source files, and how a check reports and exits. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export interface SourceProblem {
  file: string;
  line: number;
  message: string;
}

/** Tracked and new (not ignored) files matching the patterns, as they are in the working tree. */
export function sourceFiles(patterns: readonly string[]): string[] {
  return (
    execFileSync('git', ['ls-files', '-co', '--exclude-standard', ...patterns], {
      cwd: projectRoot,
      encoding: 'utf8',
    })
      .split('\n')
      // Listed but deleted in the working tree: not part of the code any more.
      .filter(
        (file) =>
          file !== '' && !file.startsWith('node_modules/') && existsSync(path.join(projectRoot, file)),
      )
  );
}

/** One line per problem on stderr and exit 1, or the summary on stdout. */
export function report(problems: readonly SourceProblem[], failure: string, success: string): void {
  for (const p of problems) process.stderr.write(`${p.file}:${p.line}: ${p.message}\n`);
  if (problems.length > 0) {
    process.stderr.write(`${problems.length} ${failure}\n`);
    process.exit(1);
  }
  process.stdout.write(`${success}\n`);
}
