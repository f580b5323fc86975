import { describe, expect, it } from 'vitest';
import { correctedTimestamp } from './event-time.js';

describe('event time', () => {
  const receivedAt = new Date('2026-11-01T12:00:00Z');
  it('anchors the client gap between timestamp and sentAt to our receive time', () => {
    const corrected = correctedTimestamp({
      timestamp: new Date('2026-11-01T13:59:00Z'),
      sentAt: new Date('2026-11-01T14:00:00Z'),
      receivedAt,
    });
    expect(corrected.toISOString()).toBe('2026-11-01T11:59:00.000Z');
  });
  it('uses the timestamp as given without sentAt, and receive time without either', () => {
    const timestamp = new Date('2026-10-01T00:00:00Z');
    expect(correctedTimestamp({ timestamp, receivedAt })).toBe(timestamp);
    expect(correctedTimestamp({ receivedAt })).toBe(receivedAt);
  });
});
