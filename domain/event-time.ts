/**
 * When an event happened, corrected for the client's clock as Segment does: if the client says
 * when it sent the event (sentAt) and when it happened (timestamp), the gap between them is
 * trusted and anchored to our receive time. Without sentAt, the timestamp is used as given.
 */
export function correctedTimestamp(input: { timestamp?: Date; sentAt?: Date; receivedAt: Date }): Date {
  const { timestamp, sentAt, receivedAt } = input;
  if (!timestamp) return receivedAt;
  if (!sentAt) return timestamp;
  const corrected = receivedAt.getTime() - (sentAt.getTime() - timestamp.getTime());
  // A gap so large that the result lands before 1900 or after tomorrow means sentAt is nonsense.
  if (corrected < Date.UTC(1900, 0, 1) || corrected > receivedAt.getTime() + 86_400_000) return timestamp;
  return new Date(corrected);
}
