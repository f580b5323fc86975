import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { InputProblem } from './input-problem.js';
import { validateSegment, type SegmentDefinition } from './segment-definition.js';

/** One thing wrong with a segment file: where (path, line, column; 1-based) and what. */
export interface SegmentProblem extends InputProblem {
  line?: number;
  column?: number;
}

export type SegmentParse =
  { ok: true; definition: SegmentDefinition } | { ok: false; problems: SegmentProblem[] };

/** `conditions[2].where.op` → ['conditions', 2, 'where', 'op']. */
const keysOf = (path: string): (string | number)[] =>
  path === '(body)'
    ? []
    : [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(([, key, index]) =>
        index ? Number(index) : (key ?? ''),
      );

/** The node at a path (the nearest one above it when it is missing); a misspelt key points at itself. */
function nodeAt(doc: Document, keys: readonly (string | number)[], unknownKey?: string): Node | undefined {
  let node: unknown;
  for (let depth = keys.length; depth >= 0; depth--) {
    node = doc.getIn(keys.slice(0, depth), true);
    if (node && typeof node === 'object') break;
  }
  if (unknownKey !== undefined && isMap(node)) {
    const pair = node.items.find(
      (item) => isPair(item) && isScalar(item.key) && item.key.value === unknownKey,
    );
    if (pair && isScalar(pair.key)) return pair.key;
  }
  return (node as Node | undefined) ?? undefined;
}

/**
 * A segment from YAML or JSON text (JSON is YAML), validated against the other segments (`known`:
 * id → the segments it names). Every problem names its path, line and column.
 */
export function parseSegmentText(
  text: string,
  known: ReadonlyMap<string, readonly string[]> = new Map(),
): SegmentParse {
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
  const result = validateSegment(doc.toJS() ?? {}, known);
  if (result.ok) return result;
  return {
    ok: false,
    problems: result.problems.map((problem) => {
      const unknown = /^unknown field "([^"]+)"/.exec(problem.message)?.[1];
      const keys = keysOf(problem.path);
      // An unknown field's path ends with its key: point at the key in the mapping above.
      const offset = nodeAt(doc, unknown ? keys.slice(0, -1) : keys, unknown)?.range?.[0];
      if (offset === undefined) return problem;
      const { line, col } = lines.linePos(offset);
      return { ...problem, line, column: col };
    }),
  };
}

/** `FILE:LINE:COLUMN: path: message`, as a person reads it. */
export function formatSegmentProblem(source: string, problem: SegmentProblem): string {
  const where = problem.line === undefined ? source : `${source}:${problem.line}:${problem.column ?? 1}`;
  return `${where}: ${problem.path}: ${problem.message}`;
}
