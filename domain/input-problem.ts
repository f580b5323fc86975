/** One thing wrong with an input, and where: `batch[3].event`, `steps[2].then`. */
export interface InputProblem {
  path: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(body)';
}
