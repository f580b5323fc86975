import { createHash } from 'node:crypto';
import type { JourneyDefinition } from '../domain/journey-definition.js';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** A journey's version: the content hash of its validated definition (key order does not matter). */
export function journeyVersion(definition: JourneyDefinition): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(definition)))
    .digest('hex')
    .slice(0, 12);
}
