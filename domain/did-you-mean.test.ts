import { describe, expect, it } from 'vitest';
import { closestName, didYouMeanSuffix } from './did-you-mean.js';

describe('did you mean', () => {
  const known = ['firstName', 'email', 'cart_id', 'wait_for_event'];

  it('names the closest known name for a typo', () => {
    expect(closestName('frstName', known)).toBe('firstName');
    expect(closestName('wait_for_evnt', known)).toBe('wait_for_event');
    expect(didYouMeanSuffix('emial', known)).toBe(' (did you mean "email"?)');
  });

  it('suggests nothing when no name is close, or the name is already known', () => {
    expect(closestName('zzzzzzzz', known)).toBeUndefined();
    expect(closestName('email', known)).toBeUndefined();
    expect(didYouMeanSuffix('x', [])).toBe('');
  });
});
