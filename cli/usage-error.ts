import { UserError } from '../infra/user-error.js';

/**
 * The command was called wrongly (a malformed option value or identity): exit 2 and a pointer to
 * --help, like commander's own usage errors. What is wrong with the world (no such customer, an
 * unreachable server) stays a UserError, exit 1.
 */
export class UsageError extends UserError {}
