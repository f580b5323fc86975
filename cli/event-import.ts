import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { problemsOf, segmentMessage } from '../domain/segment-message.js';
import { UserError } from '../infra/user-error.js';
import { BatchRefused, postBatch, type IngestTarget } from '../api/ingest-client.js';
import { plainError } from '../domain/plain-error.js';

export interface BadLine {
  line: number;
  problem: string;
}

export interface ImportResult {
  lines: number;
  stored: number;
  duplicates: number;
  bad: BadLine[];
}

const maxEventBytes = 32 * 1024;
const batchMessages = 500;
const batchBytes = 450 * 1024;

/**
 * Checks one NDJSON line as the API would, so a bad line is reported by its number and the rest
 * still go in. A line without a messageId gets one derived from its content, which makes
 * re-running an import safe: the same line is the same message.
 */
export function parseEventLine(text: string): { message: Record<string, unknown> } | { problem: string } {
  if (Buffer.byteLength(text, 'utf8') > maxEventBytes) return { problem: 'longer than 32 KB' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'not a JSON object' };
  const message = raw as Record<string, unknown>;
  const parsed = segmentMessage.safeParse(message, { error: plainError });
  if (!parsed.success) {
    const [first] = problemsOf(parsed.error);
    return { problem: first ? `${first.path || 'message'}: ${first.message}` : 'invalid' };
  }
  if (typeof message.messageId !== 'string' || message.messageId.trim() === '') {
    return {
      message: {
        ...message,
        messageId: `import-${createHash('sha256').update(text).digest('hex').slice(0, 40)}`,
      },
    };
  }
  return { message };
}

export interface ImportProgress {
  start(totalBytes: number): void;
  update(bytesRead: number, lines: number): void;
  stop(): void;
}

/**
 * Streams an NDJSON file to the ingest API in batches, in file order. By default to `/v1/import`:
 * profiles, consents, carts and timelines take the history in, but no journey starts or wakes for
 * it (a backfill must not mail last month's carts). `live` sends to `/v1/batch` instead.
 */
export async function importEvents(
  file: string,
  target: IngestTarget,
  options: { progress?: ImportProgress; live?: boolean } = {},
): Promise<ImportResult> {
  const { progress } = options;
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new UserError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const result: ImportResult = { lines: 0, stored: 0, duplicates: 0, bad: [] };
  let batch: { line: number; message: Record<string, unknown> }[] = [];
  let bytes = 0;
  let bytesRead = 0;
  const flush = async () => {
    // A message the API refuses (a rule checked only there) is reported by line and left out;
    // the batch is sent again without it. Bounded: each round removes one message.
    while (batch.length > 0) {
      try {
        const reply = await postBatch(
          target,
          batch.map((entry) => entry.message),
          {
            retryUnreachable: result.stored + result.duplicates > 0,
            // History by default: journeys do not react to it; --live sends it as live traffic.
            endpoint: options.live ? '/v1/batch' : '/v1/import',
          },
        );
        result.stored += reply.stored;
        result.duplicates += reply.duplicates;
        break;
      } catch (error) {
        const refused =
          error instanceof BatchRefused && error.index !== undefined ? batch[error.index] : undefined;
        if (!refused || !(error instanceof BatchRefused) || error.index === undefined) throw error;
        batch.splice(error.index, 1);
        result.bad.push({ line: refused.line, problem: error.message.replace(/^batch\[\d+\]\.?/, '') });
      }
    }
    batch = [];
    bytes = 0;
    progress?.update(bytesRead, result.lines);
  };

  progress?.start(size);
  try {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const text of lines) {
      result.lines++;
      bytesRead += Buffer.byteLength(text, 'utf8') + 1;
      if (text.trim() === '') continue;
      const parsed = parseEventLine(text);
      if ('problem' in parsed) {
        result.bad.push({ line: result.lines, problem: parsed.problem });
        continue;
      }
      const length = Buffer.byteLength(text, 'utf8');
      if (batch.length >= batchMessages || bytes + length > batchBytes) await flush();
      batch.push({ line: result.lines, message: parsed.message });
      bytes += length;
    }
    await flush();
    result.bad.sort((a, b) => a.line - b.line);
    progress?.update(size, result.lines);
  } finally {
    progress?.stop();
  }
  return result;
}
