import type { RunEvent } from './journey-runtime.js';

/**
 * The events a run has received, oldest first. A wait matches only events after the last one a
 * wait consumed, so an event that arrived while the run sat in an earlier step still counts, but
 * no event counts twice. Deterministic (no clock, no I/O): it lives in workflow memory.
 */

/** Bounds a run's memory: a run that waits for weeks may receive any number of events. */
export const maxEventsKept = 200;

export class EventInbox {
  private readonly received: RunEvent[] = [];
  /** The trigger is pre-seen: the router delivers it again as the run's first signal. */
  private readonly seen: Set<string>;
  /** Index into `received` of the first event no wait has consumed yet. */
  private consumedUpTo = 0;

  constructor(
    triggerMessageId: string,
    private readonly capacity = maxEventsKept,
  ) {
    this.seen = new Set([triggerMessageId]);
  }

  /** Keeps a new event; false for the trigger itself or a duplicate delivery. */
  receive(event: RunEvent): boolean {
    if (this.seen.has(event.messageId)) return false;
    this.seen.add(event.messageId);
    this.received.push(event);
    if (this.received.length > this.capacity) {
      this.received.shift();
      this.consumedUpTo = Math.max(0, this.consumedUpTo - 1);
    }
    return true;
  }

  /** Whether an event no wait has consumed yet passes the test. */
  has(test: (event: RunEvent) => boolean): boolean {
    return this.indexOf(test) >= 0;
  }

  /** The first unconsumed event that passes the test; it and every event before it count as consumed. */
  take(test: (event: RunEvent) => boolean): RunEvent | undefined {
    const k = this.indexOf(test);
    if (k < 0) return undefined;
    this.consumedUpTo = k + 1;
    return this.received[k];
  }

  private indexOf(test: (event: RunEvent) => boolean): number {
    return this.received.findIndex((event, at) => at >= this.consumedUpTo && test(event));
  }
}
