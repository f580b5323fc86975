/** How far ahead of our receive time an event may be dated (INGEST_MAX_CLOCK_SKEW's default). */
export const defaultMaxClockSkewMs = 5 * 60_000;

/** The earliest time an event may carry: before it, a client time is nonsense (a zero date, a bad gap). */
const earliest = Date.UTC(1900, 0, 1);

/**
 * When an event happened, as far as the client's clock can be trusted. Segment's correction: if
 * the client says when it sent the event (sentAt) and when it happened (timestamp), the gap
 * between them is trusted and anchored to our receive time. Without sentAt the timestamp is taken
 * as given, history included. Never later than receive time plus `maxSkewMs`, never before 1900:
 * when no correction gives a time in that range (a far-future timestamp without sentAt, a
 * nonsense sentAt), the receive time is used, not the client's word, since later decisions
 * (consent, trait values) are compared by these times.
 */
export function correctedTimestamp(input: {
  timestamp?: Date;
  sentAt?: Date;
  receivedAt: Date;
  maxSkewMs?: number;
}): Date {
  const { timestamp, sentAt, receivedAt, maxSkewMs = defaultMaxClockSkewMs } = input;
  if (!timestamp) return receivedAt;
  const latest = receivedAt.getTime() + Math.max(0, maxSkewMs);
  const time = sentAt ? receivedAt.getTime() - (sentAt.getTime() - timestamp.getTime()) : timestamp.getTime();
  if (!Number.isFinite(time) || time < earliest || time > latest) return receivedAt;
  return sentAt ? new Date(time) : timestamp;
}
