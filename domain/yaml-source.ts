import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { InputProblem } from './input-problem.js';

/** One thing wrong with a file: where (path, line, column; 1-based) and what. */
export interface FileProblem extends InputProblem {
  line?: number;
  column?: number;
}

/** Where a path (or the key `key` in the mapping there) is written in the file. */
export type Locate = (
  path: readonly PropertyKey[],
  key?: string,
) => { line: number; column: number } | undefined;

/**
 * YAML or JSON text (JSON is YAML) as data, with a way back from a path to its line and column:
 * the one parse behind the files people write besides journeys (segments, the delivery policy).
 */
export function parseYamlSource(
  text: string,
): { ok: true; data: unknown; locate: Locate } | { ok: false; problems: FileProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0)
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const at = lines.linePos(error.pos[0]);
        return {
          path: '(file)',
          line: at.line,
          column: at.col,
          message: error.message.split('\n')[0] ?? 'not valid YAML',
        };
      }),
    };
  const locate: Locate = (path, key) => {
    const offset = nodeAt(doc, path, key)?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  return { ok: true, data: doc.toJS() ?? {}, locate };
}

/** The node at a path (the nearest one above it when it is missing); a misspelt key points at itself. */
function nodeAt(doc: Document, path: readonly PropertyKey[], key?: string): Node | undefined {
  let node: unknown;
  const steps = path.map((part) => (typeof part === 'number' ? part : String(part)));
  for (let depth = steps.length; depth >= 0; depth--) {
    node = doc.getIn(steps.slice(0, depth), true);
    if (node && typeof node === 'object') break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
    if (pair && isScalar(pair.key)) return pair.key;
  }
  return (node as Node | undefined) ?? undefined;
}

/** `FILE:LINE:COLUMN: path: message`, as a person reads it. */
export function formatFileProblem(source: string, problem: FileProblem): string {
  const where = problem.line === undefined ? source : `${source}:${problem.line}:${problem.column ?? 1}`;
  return `${where}: ${problem.path}: ${problem.message}`;
}
