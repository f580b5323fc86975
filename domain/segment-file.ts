import { validateSegment, type SegmentDefinition } from './segment-definition.js';
import { formatFileProblem, parseYamlSource, type FileProblem } from './yaml-source.js';

/** One thing wrong with a segment file: where (path, line, column; 1-based) and what. */
export type SegmentProblem = FileProblem;

export type SegmentParse =
  { ok: true; definition: SegmentDefinition } | { ok: false; problems: SegmentProblem[] };

/** `conditions[2].where.op` → ['conditions', 2, 'where', 'op']. */
const keysOf = (path: string): (string | number)[] =>
  path === '(body)'
    ? []
    : [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(([, key, index]) =>
        index ? Number(index) : (key ?? ''),
      );

/**
 * A segment from YAML or JSON text (JSON is YAML), validated against the other segments (`known`:
 * id → the segments it names). Every problem names its path, line and column.
 */
export function parseSegmentText(
  text: string,
  known: ReadonlyMap<string, readonly string[]> = new Map(),
): SegmentParse {
  const source = parseYamlSource(text);
  if (!source.ok) return source;
  const result = validateSegment(source.data, known);
  if (result.ok) return result;
  return {
    ok: false,
    problems: result.problems.map((problem) => {
      const unknown = /^unknown field "([^"]+)"/.exec(problem.message)?.[1];
      const keys = keysOf(problem.path);
      // An unknown field's path ends with its key: point at the key in the mapping above.
      return { ...problem, ...source.locate(unknown ? keys.slice(0, -1) : keys, unknown) };
    }),
  };
}

/** `FILE:LINE:COLUMN: path: message`, as a person reads it. */
export const formatSegmentProblem = formatFileProblem;
