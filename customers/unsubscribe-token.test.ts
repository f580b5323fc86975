import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createUnsubscribeToken, verifyUnsubscribeToken } from './unsubscribe-token.js';

describe('unsubscribe tokens', () => {
  const secret = 's'.repeat(64);
  it('round-trip, and any single-character change is refused', () => {
    const claim = { customerId: '6f1c2d3e-0000-4000-8000-000000000001', channel: 'email' as const };
    const token = createUnsubscribeToken(secret, claim);
    expect(verifyUnsubscribeToken(secret, token)).toEqual(claim);
    expect(verifyUnsubscribeToken('t'.repeat(64), token)).toBeUndefined();
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCabc019-_.'), (index, char) => {
        const changed = token.slice(0, index) + char + token.slice(index + 1);
        return changed === token || verifyUnsubscribeToken(secret, changed) === undefined;
      }),
      { numRuns: 500 },
    );
  });
});
