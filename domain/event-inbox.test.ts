import { describe, expect, it } from 'vitest';
import { EventInbox, maxEventsKept } from './event-inbox.js';
import type { RunEvent } from './journey-runtime.js';

const event = (messageId: string, name = 'Clicked'): RunEvent => ({
  messageId,
  name,
  properties: {},
  occurredAt: '2026-01-01T00:00:00.000Z',
});
const named = (name: string) => (e: RunEvent) => e.name === name;
const any = () => true;

describe('event inbox', () => {
  it('ignores the trigger and duplicate deliveries', () => {
    const inbox = new EventInbox('trigger');
    expect(inbox.receive(event('trigger', 'Product Added'))).toBe(false);
    expect(inbox.receive(event('m1'))).toBe(true);
    expect(inbox.receive(event('m1'))).toBe(false);
    expect(inbox.take(any)?.messageId).toBe('m1');
    expect(inbox.has(any)).toBe(false);
  });

  it('matches only events after the last one consumed, and each event once', () => {
    const inbox = new EventInbox('trigger');
    for (const [id, name] of [
      ['m1', 'Viewed'],
      ['m2', 'Clicked'],
      ['m3', 'Viewed'],
    ] as const)
      inbox.receive(event(id, name));
    expect(inbox.take(named('Clicked'))?.messageId).toBe('m2');
    // m1 came before the consumed event: it counts as consumed too.
    expect(inbox.take(named('Viewed'))?.messageId).toBe('m3');
    expect(inbox.has(named('Viewed'))).toBe(false);
    expect(inbox.take(named('Clicked'))).toBeUndefined();
  });

  it(`keeps at most ${maxEventsKept} events, dropping the oldest`, () => {
    const inbox = new EventInbox('trigger');
    for (let i = 0; i <= maxEventsKept; i++) inbox.receive(event(`m${i}`));
    expect(inbox.has((e) => e.messageId === 'm0')).toBe(false);
    expect(inbox.has((e) => e.messageId === 'm1')).toBe(true);
    // A dropped event is still known: delivering it again is a duplicate.
    expect(inbox.receive(event('m0'))).toBe(false);
  });

  it('keeps the consumed mark on the same event when the oldest ones are dropped', () => {
    const inbox = new EventInbox('trigger', 3);
    inbox.receive(event('m1'));
    inbox.receive(event('m2'));
    expect(inbox.take((e) => e.messageId === 'm2')?.messageId).toBe('m2');
    inbox.receive(event('m3'));
    inbox.receive(event('m4')); // drops m1
    inbox.receive(event('m5')); // drops m2, the consumed one
    expect(inbox.take(any)?.messageId).toBe('m3');
    expect(inbox.take(any)?.messageId).toBe('m4');
    expect(inbox.take(any)?.messageId).toBe('m5');
    expect(inbox.take(any)).toBeUndefined();
  });
});
