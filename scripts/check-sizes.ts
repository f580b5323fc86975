/**
 * Size limits that keep the code readable, checked on every `npm test`: no product source file
 * over 300 lines, no function over 80 lines. Tests are exempt, and so are the pure row tables
 * named in `exempt` (data, not logic).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot, report, sourceFiles, type SourceProblem } from './source-check.js';
import ts from 'typescript';

export const maxFileLines = 300;
export const maxFunctionLines = 80;
/** `file:function` of row tables and other data-only functions allowed to be longer. */
const exempt = new Set<string>([]);

const isTest = (file: string) => file.startsWith('test/') || /\.test\.ts$/.test(file);

export type SizeProblem = SourceProblem;

function functionName(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name)
    return node.name.getText();
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  return '(anonymous)';
}

/** Files over the line limit and functions over theirs, in the given source files. */
export function sizeProblems(root: string, files: readonly string[]): SizeProblem[] {
  const problems: SizeProblem[] = [];
  for (const file of files) {
    if (isTest(file) || !/\.(ts|mts)$/.test(file)) continue;
    const text = readFileSync(path.join(root, file), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > maxFileLines)
      problems.push({ file, line: 1, message: `${lines} lines (at most ${maxFileLines})` });
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const name = functionName(node);
        if (end - start + 1 > maxFunctionLines && !exempt.has(`${file}:${name}`))
          problems.push({
            file,
            line: start + 1,
            message: `function ${name} has ${end - start + 1} lines (at most ${maxFunctionLines})`,
          });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = sourceFiles(['*.ts', '*.mts']);
  report(
    sizeProblems(projectRoot, files),
    'size problem(s): split the file or function',
    `sizes: ${files.length} files, none over ${maxFileLines} lines, no function over ${maxFunctionLines}`,
  );
}
