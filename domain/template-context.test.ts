import { describe, expect, it } from 'vitest';
import { unknownVariable } from './template-context.js';

describe('variables a send provides', () => {
  it('accepts the context and anything under traits, properties and cart', () => {
    expect(unknownVariable(['profile', 'traits', 'name'])).toBeUndefined();
    expect(unknownVariable(['cart', 'items', 0, 'name'])).toBeUndefined();
    expect(unknownVariable(['trigger', 'properties', 'url'])).toBeUndefined();
    expect(unknownVariable(['unsubscribe_url'])).toBeUndefined();
  });

  it('refuses the rest with a suggestion', () => {
    expect(unknownVariable(['profle', 'traits'])).toMatch(
      /^unknown variable "profle" \(did you mean "profile"\?\)/,
    );
    expect(unknownVariable(['profile', 'trait', 'name'])).toMatch(
      /"profile.trait" \(did you mean "traits"\?\)/,
    );
    expect(unknownVariable(['shop', 'ulr'])).toMatch(/did you mean "url"/);
  });
});
