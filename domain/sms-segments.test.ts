import { describe, expect, it } from 'vitest';
import { smsSegments } from './sms-segments.js';

describe('SMS segments', () => {
  it('counts GSM-7 septets: 160 in one segment, 153 per part after', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161)).segments).toBe(2);
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts extension characters twice', () => {
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('€'.repeat(81)).segments).toBe(2);
  });

  it('falls back to UCS-2 for other characters: 70, then 67 per part', () => {
    expect(smsSegments('ł'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSegments('ł'.repeat(71)).segments).toBe(2);
    expect(smsSegments('😀'.repeat(35)).units).toBe(70);
  });
});
