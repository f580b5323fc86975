import type { events } from '../db/schema.js';
import type { SegmentMessage } from '../domain/segment-message.js';

/** The `events` row of one Segment message: its name and properties by message type. */
export function eventRow(
  message: SegmentMessage,
  ids: { messageId: string; customerId: string },
  times: { occurredAt: Date; receivedAt: Date },
): typeof events.$inferInsert {
  return {
    messageId: ids.messageId,
    customerId: ids.customerId,
    type: message.type,
    name: eventName(message),
    userId: message.userId ?? null,
    anonymousId: message.anonymousId ?? null,
    properties: propertiesOf(message),
    context: message.context ?? {},
    occurredAt: times.occurredAt,
    receivedAt: times.receivedAt,
  };
}

function eventName(message: SegmentMessage): string | null {
  switch (message.type) {
    case 'track':
      return message.event;
    case 'page':
    case 'screen':
      return message.name ?? null;
    default:
      return null;
  }
}

function propertiesOf(message: SegmentMessage): Record<string, unknown> {
  switch (message.type) {
    case 'track':
    case 'page':
    case 'screen':
      return message.properties ?? {};
    case 'identify':
      return { traits: message.traits ?? {} };
    case 'group':
      return { groupId: message.groupId, traits: message.traits ?? {} };
    case 'alias':
      return { previousId: message.previousId };
  }
}
