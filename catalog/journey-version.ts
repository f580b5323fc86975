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

/** The content hash of validated data (key order does not matter): a journey's or a segment's version. */
export function contentVersion(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex')
    .slice(0, 12);
}

/** A journey's version: the content hash of its validated definition. */
export function journeyVersion(definition: JourneyDefinition): string {
  return contentVersion(definition);
}
