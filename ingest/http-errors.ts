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

/** PostgreSQL (postgres.js) errors that mean "down or overloaded", not "bad request". */
const outageCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '40001', // serialization_failure: retrying succeeds
  '40P01', // deadlock_detected: retrying succeeds
]);

export function isOutage(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && outageCodes.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export const retryAfterSeconds = 5;

export function unavailable(what: string): HttpError {
  return new HttpError(503, `${what} is unavailable; retry later`, undefined, {
    'retry-after': String(retryAfterSeconds),
  });
}
