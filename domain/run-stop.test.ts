import { describe, expect, it } from 'vitest';
import type { RunEvent } from './journey-runtime.js';
import { runStopOf, runStoppedBy, runStoppedReason, stopEventNames } from './run-stop.js';

const sameCart = {
  path: 'event.properties.cart_id',
  op: 'eq',
  value: { ref: 'trigger.properties.cart_id' },
} as const;
const trigger: RunEvent = {
  messageId: 'trigger',
  name: 'Product Added',
  properties: { cart_id: 'c1' },
  occurredAt: '2026-01-01T10:00:00.000Z',
};
const journey = {
  goal: { event: 'Order Completed', where: sameCart, within: '7d' },
  exit: [{ event: 'Cart Emptied', where: sameCart }],
};
const stop = runStopOf(journey, '2026-01-01T10:00:01.000Z')!;
const event = (name: string, cart: string, occurredAt: string, messageId = `${name}-${cart}`): RunEvent => ({
  messageId,
  name,
  properties: { cart_id: cart },
  occurredAt,
});

describe('run stop (exit re-check from stored events)', () => {
  it('carries the goal and exits without the goal window, and nothing when the journey has neither', () => {
    expect(stop).toEqual({
      since: '2026-01-01T10:00:01.000Z',
      goal: { event: 'Order Completed', where: sameCart },
      exit: [{ event: 'Cart Emptied', where: sameCart }],
    });
    expect(stopEventNames(stop)).toEqual(['Order Completed', 'Cart Emptied']);
    expect(runStopOf({ exit: [] }, trigger.occurredAt)).toBeUndefined();
  });

  it('is stopped by a goal or exit event that matches its conditions, the first one first', () => {
    const order = event('Order Completed', 'c1', '2026-01-01T10:05:00.000Z');
    const emptied = event('Cart Emptied', 'c1', '2026-01-01T10:06:00.000Z');
    expect(runStoppedBy(stop, trigger, [order, emptied])).toEqual({ outcome: 'converted', event: order });
    expect(runStoppedBy(stop, trigger, [emptied, order])).toEqual({ outcome: 'exited', event: emptied });
    expect(runStoppedReason({ outcome: 'converted', event: order })).toBe(
      'customer converted: Order Completed at 2026-01-01T10:05:00.000Z',
    );
    expect(runStoppedReason({ outcome: 'exited', event: emptied })).toBe(
      'customer exited: Cart Emptied at 2026-01-01T10:06:00.000Z',
    );
  });

  it('is not stopped by another cart, the trigger itself, other events or events before it started', () => {
    expect(
      runStoppedBy(stop, trigger, [
        event('Order Completed', 'c2', '2026-01-01T10:05:00.000Z'),
        event('Order Completed', 'c1', '2026-01-01T09:59:00.000Z'),
        event('Product Viewed', 'c1', '2026-01-01T10:05:00.000Z'),
        { ...trigger, name: 'Order Completed', occurredAt: '2026-01-01T10:05:00.000Z' },
      ]),
    ).toBeUndefined();
  });

  it('without conditions, any event of a goal or exit name stops it', () => {
    const plain = runStopOf(
      { goal: { event: 'Order Completed', within: '1d' }, exit: [] },
      trigger.occurredAt,
    )!;
    expect(plain.goal).toEqual({ event: 'Order Completed' });
    expect(
      runStoppedBy(plain, trigger, [event('Order Completed', 'other', '2026-01-01T11:00:00.000Z')])?.outcome,
    ).toBe('converted');
  });
});
