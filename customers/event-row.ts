import type { events } from '../db/schema.js';
import type { SegmentMessage } from '../domain/segment-message.js';

/**
 * Whether a stored event needs the router at all: false for an event no journey listens to and no
 * run waits for, from a customer nobody was merged into (runs/event-router.ts says who decides).
 */
export type RoutingInterest = (
  event: { type: SegmentMessage['type']; name: string | null; properties?: Record<string, unknown> },
  merged: boolean,
) => boolean;

/**
 * The `events` row of one Segment message: its name and properties by message type. `routedAt` is
 * set when the event needs no routing (no journey listens to it): it is stored as routed.
 */
export function eventRow(
  message: SegmentMessage,
  ids: { messageId: string; customerId: string },
  times: { occurredAt: Date; receivedAt: Date; routedAt?: Date | null },
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
    routedAt: times.routedAt ?? null,
  };
}

export function eventName(message: SegmentMessage): string | null {
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
