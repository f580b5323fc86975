/**
 * A mistake the user can fix (bad configuration, a missing tool, an unreachable server).
 * The CLI prints it as one line — what is wrong, then how to fix it — and exits non-zero,
 * never with a stack trace.
 */
export class UserError extends Error {
  override readonly name = 'UserError';

  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }

  /** The one line shown to the user. */
  toLine(): string {
    return this.fix ? `${this.message}: ${this.fix}` : this.message;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
