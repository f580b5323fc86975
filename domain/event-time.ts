/**
 * When an event happened, corrected for the client's clock as Segment does: if the client says
 * when it sent the event (sentAt) and when it happened (timestamp), the gap between them is
 * trusted and anchored to our receive time. Without sentAt, the timestamp is used as given.
 */
export function correctedTimestamp(input: { timestamp?: Date; sentAt?: Date; receivedAt: Date }): Date {
  const { timestamp, sentAt, receivedAt } = input;
  if (!timestamp) return receivedAt;
  if (!sentAt) return timestamp;
  return new Date(receivedAt.getTime() - (sentAt.getTime() - timestamp.getTime()));
}
