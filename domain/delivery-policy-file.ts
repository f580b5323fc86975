import type { z } from 'zod';
import { deliveryPolicySchema, policyKeys, type DeliveryPolicy } from './delivery-policy.js';
import { closestName } from './did-you-mean.js';
import { formatPath } from './input-problem.js';
import { plainError } from './plain-error.js';
import { formatFileProblem, parseYamlSource, type FileProblem, type Locate } from './yaml-source.js';

/** One thing wrong with a policy file: where (path, line, column; 1-based) and what. */
export type PolicyProblem = FileProblem;

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
  const source = parseYamlSource(text);
  return source.ok ? checkPolicy(source.data, source.locate) : source;
}

/** A policy given as data (the admin API's JSON body): problems name the path, and where when `locate` knows. */
export function checkPolicy(data: unknown, locate: Locate = () => undefined): PolicyParse {
  const result = deliveryPolicySchema.safeParse(data, { error: plainError });
  if (result.success) return { ok: true, policy: result.data };
  return { ok: false, problems: problemsOf(result.error.issues, locate) };
}

/** `FILE:LINE:COLUMN: path: message`, as a person reads it. */
export const formatPolicyProblem = formatFileProblem;
