import { isUserError } from '../infra/user-error.js';
import { UsageError } from './usage-error.js';

/** Exit codes (README "Exit codes"): 0 done, 1 the command failed, 2 it was called wrongly. */
export const exitCodes = { ok: 0, failure: 1, usage: 2 } as const;

/** What every usage mistake ends with. */
export const usageHint = '(add --help for usage)';

/** PostgreSQL's code for a query against a table that does not exist: a database never migrated. */
const undefinedTable = '42P01';

function isUnmigrated(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return cause?.code === undefinedTable;
}

/** Prints a user mistake as one line, with no stack trace, and exits non-zero. */
export function reportAndExit(error: unknown): never {
  if (isUnmigrated(error)) {
    process.stderr.write(
      'omnijourney: the database has no Omnijourney tables: run `omnijourney migrate` against it first\n',
    );
    process.exit(exitCodes.failure);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`omnijourney: ${error.toLine()} ${usageHint}\n`);
    process.exit(exitCodes.usage);
  }
  if (isUserError(error)) {
    process.stderr.write(`omnijourney: ${error.toLine()}\n`);
  } else {
    // A defect, not a user mistake: the stack helps whoever files the bug.
    process.stderr.write(
      `omnijourney: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  }
  process.exit(exitCodes.failure);
}

/** Wraps a commander action so every failure goes through reportAndExit. */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      reportAndExit(error);
    }
  };
}
