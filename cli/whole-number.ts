import { UsageError } from './usage-error.js';

/** A numeric option, checked: one line naming the flag when it is not a whole number in range. */
export function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`${flag} ${text} is not a whole number from ${min} to ${max}`);
  return value;
}
