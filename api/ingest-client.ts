import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../infra/user-error.js';

export interface IngestTarget {
  url: string;
  writeKey: string;
}

export interface BatchReply {
  stored: number;
  duplicates: number;
}

const maxAttempts = 8;

/** The API refused the batch for a bad message; `index` is its place in the batch when known. */
export class BatchRefused extends UserError {
  constructor(
    message: string,
    readonly index: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Posts messages to the ingest API's `/v1/batch`. 503s (the engine's database or router is down)
 * and dropped connections are retried with bounded backoff, honouring Retry-After; messageIds make
 * the retries safe. Anything else the server refuses becomes a one-line error.
 */
export async function postBatch(
  target: IngestTarget,
  batch: readonly unknown[],
  options: { retryUnreachable?: boolean; endpoint?: '/v1/batch' | '/v1/import' } = {},
): Promise<BatchReply> {
  const body = JSON.stringify({ batch });
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(`${target.url}${options.endpoint ?? '/v1/batch'}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${target.writeKey}:`).toString('base64')}`,
          // The importer names the line a refused call came from and stops: nothing may be skipped silently.
          'x-strict-batch': 'true',
        },
        body,
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } })
        .cause;
      const code = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
      // A server never reached is a mistake to report now; one that went away mid-import may be restarting.
      if (!options.retryUnreachable || attempt >= maxAttempts)
        throw new UserError(
          `cannot reach the API at ${target.url} (${code})`,
          'check that `omnijourney start` (or `omnijourney api`) runs there, or set OMNIJOURNEY_API_URL',
        );
      await sleep(Math.min(250 * 2 ** attempt, 5_000));
      continue;
    }
    if (response.ok) {
      const reply = (await response.json()) as Partial<BatchReply>;
      return { stored: reply.stored ?? 0, duplicates: reply.duplicates ?? 0 };
    }
    const text = await response.text();
    if (response.status === 503 && attempt < maxAttempts) {
      const retryAfter = Number(response.headers.get('retry-after'));
      await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 30) * 1000 : 1000);
      continue;
    }
    if (response.status === 401)
      throw new UserError(
        `the API at ${target.url} refused the write key`,
        'set INGEST_WRITE_KEYS to a key it accepts',
      );
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: keep the text
    }
    const index = /^batch\[(\d+)\]/.exec(message)?.[1];
    if (response.status === 400 || response.status === 413)
      throw new BatchRefused(message.slice(0, 300), index === undefined ? undefined : Number(index));
    throw new UserError(`the API at ${target.url} answered ${response.status}: ${message.slice(0, 300)}`);
  }
}
