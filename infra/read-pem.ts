import { readFileSync } from 'node:fs';
import { UserError } from './user-error.js';

/** A PEM file named by an environment variable; a one-line error names the variable if it cannot be read. */
export function readPemFile(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UserError(
      `${variable}=${JSON.stringify(file)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'point it at a readable PEM file',
    );
  }
}
