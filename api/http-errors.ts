/** An HTTP answer for a client mistake or an outage, with the field or limit it concerns. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly issues?: { path: string; message: string }[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export { isOutage } from '../infra/database-outage.js';

export const retryAfterSeconds = 5;

export function unavailable(what: string): HttpError {
  return new HttpError(503, `${what} is unavailable; retry later`, undefined, {
    'retry-after': String(retryAfterSeconds),
  });
}
