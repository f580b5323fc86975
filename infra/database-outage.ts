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

/** True when the error (or its cause) says the database is down or overloaded: retrying helps. */
export function isOutage(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && outageCodes.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs `write` until it succeeds, through a database outage of up to about half a minute
 * (bounded: 12 tries, backoff 250 ms doubling to 4 s). Other errors, and a longer outage, throw.
 * For writes that must follow an action that cannot be undone, such as a provider's acceptance.
 */
export async function throughOutage<T>(write: () => Promise<T>, tries = 12): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isOutage(error) || attempt >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(4_000, 250 * 2 ** (attempt - 1))));
    }
  }
}
