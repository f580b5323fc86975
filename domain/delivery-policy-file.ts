import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { deliveryPolicySchema, policyKeys, type DeliveryPolicy } from './delivery-policy.js';
import { closestName } from './did-you-mean.js';
import { formatPath } from './input-problem.js';
import { plainError } from './plain-error.js';

/** One thing wrong with a policy file: where (path, line, column; 1-based) and what. */
export interface PolicyProblem {
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export type PolicyParse = { ok: true; policy: DeliveryPolicy } | { ok: false; problems: PolicyProblem[] };

/** The keys allowed in the mapping at `path`, for "did you mean". */
function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const [section, , key] = path;
  if (path.length === 0) return policyKeys.top;
  if (section === 'caps' && path.length === 2) return policyKeys.cap;
  if (section === 'quietHours' && path.length === 1) return policyKeys.quietHours;
  if (section === 'quietHours' && path.length === 2) return policyKeys.channel;
  if (section === 'quietHours' && key !== undefined) return policyKeys.window;
  return [];
}

/** The node at a path, or the key node of `key` in the mapping there (a misspelt key points at itself). */
function nodeAt(doc: Document, path: readonly PropertyKey[], key?: string): Node | undefined {
  let node: unknown = doc.contents;
  const steps = [...path].map((part) => (typeof part === 'number' ? part : String(part)));
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

type Locate = (path: readonly PropertyKey[], key?: string) => { line: number; column: number } | undefined;

/**
 * Each issue as a problem: unknown keys first, one per key, at the key, with "did you mean"; a
 * required key that a misspelt one stands for is not reported again as missing.
 */
function problemsOf(issues: readonly z.core.$ZodIssue[], locate: Locate): PolicyProblem[] {
  const unknown: PolicyProblem[] = [];
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      const match = closestName(key, knownKeysAt(issue.path));
      if (match) meant.add(formatPath([...issue.path, match], ''));
      const message = `unknown field "${key}"${match ? ` (did you mean "${match}"?)` : ''}`;
      unknown.push({ path: formatPath([...issue.path, key], ''), ...locate(issue.path, key), message });
    }
  }
  const others = issues
    .filter((issue) => issue.code !== 'unrecognized_keys')
    .map((issue) => ({ path: formatPath(issue.path, ''), ...locate(issue.path), message: issue.message }))
    .filter((problem) => !(meant.has(problem.path) && problem.message.startsWith('required')));
  return [...unknown, ...others];
}

/**
 * A policy from YAML or JSON text (JSON is YAML), checked against the schema. Problems name the
 * path, line and column, and a misspelt key's likely meaning.
 */
export function parsePolicyText(text: string): PolicyParse {
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
  return checkPolicy(doc.toJS() ?? {}, (path, key) => {
    const offset = nodeAt(doc, path, key)?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  });
}

/** A policy given as data (the admin API's JSON body): problems name the path, and where when `locate` knows. */
export function checkPolicy(data: unknown, locate: Locate = () => undefined): PolicyParse {
  const result = deliveryPolicySchema.safeParse(data, { error: plainError });
  if (result.success) return { ok: true, policy: result.data };
  return { ok: false, problems: problemsOf(result.error.issues, locate) };
}

/** `FILE:LINE:COLUMN: path: message`, as a person reads it. */
export function formatPolicyProblem(source: string, problem: PolicyProblem): string {
  const where = problem.line === undefined ? source : `${source}:${problem.line}:${problem.column ?? 1}`;
  return `${where}: ${problem.path}: ${problem.message}`;
}
