import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { formatSegmentProblem, parseSegmentText, type SegmentProblem } from '../domain/segment-file.js';
import type { SegmentDefinition } from '../domain/segment-definition.js';
import { UserError } from '../infra/user-error.js';

/** A file that is not a valid segment: every problem, `FILE:LINE:COLUMN: path: message`. */
export class InvalidSegmentError extends UserError {
  constructor(
    readonly source: string,
    readonly problems: SegmentProblem[],
  ) {
    super(
      `${source} is not a valid segment:\n${problems.map((p) => `  ${formatSegmentProblem(source, p)}`).join('\n')}`,
    );
  }
}

export interface SegmentFile {
  source: string;
  definition: SegmentDefinition;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The id and references a file seems to declare, before validation: so files may name each other. */
function declared(text: string): [string, string[]] | undefined {
  try {
    const data = parseYaml(text) as { id?: unknown; conditions?: unknown } | null;
    if (typeof data?.id !== 'string') return undefined;
    const conditions = Array.isArray(data.conditions) ? (data.conditions as unknown[]) : [];
    const refs = conditions.flatMap((c) => {
      const basic = (c as { not?: unknown })?.not ?? c;
      const segment = (basic as { segment?: unknown } | null)?.segment;
      return typeof segment === 'string' ? [segment] : [];
    });
    return [data.id, refs];
  } catch {
    return undefined;
  }
}

/**
 * Loads and validates segment files (YAML or JSON) together: a file may name a deployed segment or
 * another of the files. Every file's problems are reported, not only the first file's.
 */
export async function loadSegmentFiles(
  files: readonly string[],
  deployed: ReadonlyMap<string, readonly string[]> = new Map(),
): Promise<{ loaded: SegmentFile[]; invalid: InvalidSegmentError[] }> {
  const texts = await Promise.all(files.map(readText));
  const known = new Map(deployed);
  for (const text of texts) {
    const found = declared(text);
    if (found) known.set(...found);
  }
  const loaded: SegmentFile[] = [];
  const invalid: InvalidSegmentError[] = [];
  texts.forEach((text, index) => {
    const source = files[index] ?? '';
    const parsed = parseSegmentText(text, known);
    if (parsed.ok) loaded.push({ source, definition: parsed.definition });
    else invalid.push(new InvalidSegmentError(source, parsed.problems));
  });
  return { loaded, invalid };
}
