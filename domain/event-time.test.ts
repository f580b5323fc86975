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

describe('event time: never later than receive time plus the allowed skew', () => {
  const receivedAt = new Date('2026-11-01T12:00:00Z');
  const minutes = (n: number) => n * 60_000;
  const at = (ms: number) => new Date(receivedAt.getTime() + ms);

  it('a far-future timestamp without sentAt is replaced by the receive time', () => {
    const timestamp = new Date('9999-01-01T00:00:00Z');
    expect(correctedTimestamp({ timestamp, receivedAt })).toBe(receivedAt);
  });
  it('a clock a year fast without sentAt gives the receive time', () => {
    const timestamp = new Date('2027-11-01T12:00:00Z');
    expect(correctedTimestamp({ timestamp, receivedAt })).toBe(receivedAt);
  });
  it('a timestamp within the skew (default 5 minutes) is kept; just beyond it is not', () => {
    const inside = at(minutes(4));
    expect(correctedTimestamp({ timestamp: inside, receivedAt })).toBe(inside);
    expect(correctedTimestamp({ timestamp: at(minutes(5)), receivedAt }).getTime()).toBe(
      at(minutes(5)).getTime(),
    );
    expect(correctedTimestamp({ timestamp: at(minutes(5) + 1), receivedAt })).toBe(receivedAt);
  });
  it('the skew is configurable', () => {
    const timestamp = at(minutes(4));
    expect(correctedTimestamp({ timestamp, receivedAt, maxSkewMs: minutes(1) })).toBe(receivedAt);
    expect(correctedTimestamp({ timestamp, receivedAt, maxSkewMs: minutes(10) })).toBe(timestamp);
    expect(correctedTimestamp({ timestamp: at(1), receivedAt, maxSkewMs: 0 })).toBe(receivedAt);
  });
  it('the sentAt correction still applies to a clock a year fast', () => {
    const timestamp = new Date('2027-11-01T11:58:00Z');
    const sentAt = new Date('2027-11-01T12:00:00Z');
    expect(correctedTimestamp({ timestamp, sentAt, receivedAt }).toISOString()).toBe(
      '2026-11-01T11:58:00.000Z',
    );
  });
  it('a correction that lands beyond the skew or before 1900 gives the receive time', () => {
    // Happened "an hour after it was sent": the gap is nonsense.
    const future = { timestamp: at(minutes(60)), sentAt: receivedAt, receivedAt };
    expect(correctedTimestamp(future)).toBe(receivedAt);
    const beforeFloor = {
      timestamp: new Date('1900-01-02T00:00:00Z'),
      sentAt: new Date('9999-01-01T00:00:00Z'),
    };
    expect(correctedTimestamp({ ...beforeFloor, receivedAt })).toBe(receivedAt);
  });
  it('old history is kept, with or without sentAt', () => {
    const timestamp = new Date('2019-03-04T05:06:07Z');
    expect(correctedTimestamp({ timestamp, receivedAt })).toBe(timestamp);
    expect(
      correctedTimestamp({ timestamp: new Date('1900-01-01T00:00:00Z'), receivedAt }).toISOString(),
    ).toBe('1900-01-01T00:00:00.000Z');
    const sentAt = new Date('2026-11-01T12:00:10Z');
    expect(correctedTimestamp({ timestamp, sentAt, receivedAt }).toISOString()).toBe(
      '2019-03-04T05:05:57.000Z',
    );
  });
});
