import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { InputProblem } from '../domain/input-problem.js';
import { stepIdAt } from '../domain/journey-problems.js';

/** A problem of a journey: where (path, and in a file its line and column), which step, what. */
export interface JourneyProblem extends InputProblem {
  line?: number;
  column?: number;
  /** The id of the step the path is in: `steps[2]` alone is hard to find in a long file. */
  step?: string;
}

/** `steps[2].when.all[0].op` → ['steps', 2, 'when', 'all', 0, 'op']. */
const keysOf = (path: string): (string | number)[] =>
  path === '(body)'
    ? []
    : [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(([, key, index]) =>
        index ? Number(index) : (key ?? ''),
      );

/** The node a path names (for an unknown field, its key), else the nearest node around where it would be. */
function nodeAt(root: unknown, keys: readonly (string | number)[], atKey: boolean): Node | undefined {
  let node = root as Node | undefined;
  for (const [i, key] of keys.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      if (!pair) return node;
      const last = i === keys.length - 1;
      node = ((last && atKey) || !pair.value ? pair.key : pair.value) as Node;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) return node;
      node = item;
    } else return node;
  }
  return node;
}

/** Adds the step id to each problem and, given the file's text, its line and column (1-based). */
export function locateProblems(
  problems: readonly InputProblem[],
  input: unknown,
  text?: string,
): JourneyProblem[] {
  const lines = new LineCounter();
  const document = text === undefined ? undefined : parseDocument(text, { lineCounter: lines });
  return problems.map((problem) => {
    const step = stepIdAt(problem.path, input);
    const offset = document
      ? nodeAt(document.contents, keysOf(problem.path), problem.message.startsWith('unknown field'))
          ?.range?.[0]
      : undefined;
    const position = offset === undefined ? undefined : lines.linePos(offset);
    return {
      path: problem.path,
      ...(position ? { line: position.line, column: position.col } : {}),
      ...(step ? { step } : {}),
      message: problem.message,
    };
  });
}

/** `line 7, column 5: steps[1].duraton (step "wait-1h"): unknown field …`, one line. */
export const formatProblem = (p: JourneyProblem): string =>
  `${p.line === undefined ? '' : `line ${p.line}, column ${p.column}: `}${p.path}${p.step ? ` (step "${p.step}")` : ''}: ${p.message}`;
