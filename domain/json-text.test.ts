import { describe, expect, it } from 'vitest';
import { findUnstorableText } from './json-text.js';

describe('unstorable text', () => {
  it('names the path of a NUL or a lone surrogate', () => {
    expect(findUnstorableText({ a: [{ b: 'x\u0000' }] })).toEqual({
      path: 'a[0].b',
      message: 'contains a NUL character',
    });
    expect(findUnstorableText({ ok: '😀', bad: '\ud83d' })).toEqual({
      path: 'bad',
      message: 'contains an unpaired UTF-16 surrogate',
    });
    expect(findUnstorableText({ fine: ['😀', 1, null] })).toBeUndefined();
  });
});
