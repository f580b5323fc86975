import type { events } from '../db/schema.js';
import type { PipelinedTx } from '../db/pipelined-transaction.js';
import type { RoutingInterest } from './event-row.js';
import type { StoredEvent } from './stored-event.js';

/** What a hook adds to the store transaction: statements sent with COMMIT, and what they stored. */
export interface HookWrites {
  statements: PromiseLike<unknown>[];
  /** From the statements' answers: the events they stored that still need routing after COMMIT. */
  toRoute(answers: readonly unknown[]): StoredEvent[];
}

/** An event the hook handles, as the store is about to write it. */
export type HookEvent = Pick<typeof events.$inferInsert, 'type' | 'name' | 'properties' | 'occurredAt'>;

/** The hook's reads for a group, unsent, and what makes the writes of their answers. */
export interface HookRead {
  statements: PromiseLike<unknown>[];
  finish(answers: readonly unknown[]): HookWrites;
}

/**
 * Work that commits with a person's stored events (segment membership, audiences/): run on the
 * store's own transaction after the events are written, so nothing can be lost between "stored" and
 * "counted" and an event the hook handles needs routing only when a journey listens to it.
 * A snapshot taken once per request, like a router's interest.
 */
export interface StoreHook {
  /** Whether the hook handles this event in the transaction. */
  handles: RoutingInterest;
  /** Whether an event the hook handled still needs routing after COMMIT (a journey listens to it). */
  needsRouting: RoutingInterest;
  /**
   * For the handled events (in order), the reads to send right behind the store's writes, in the
   * same round trip (they see the events just written); undefined: nothing to do.
   */
  prepare(tx: PipelinedTx, customerId: string, handled: readonly HookEvent[]): Promise<HookRead | undefined>;
}

/**
 * Sends a store's writes and COMMIT; when the hook handles some of the events, its reads go with the
 * writes, then the hook's writes with COMMIT: two round trips instead of one, never three.
 */
export async function commitStored<const Q extends readonly PromiseLike<unknown>[]>(
  pipelined: PipelinedTx,
  written: Q,
  hooked: { hook: StoreHook; customerId: string; handled: readonly HookEvent[] } | undefined,
): Promise<{ answers: { -readonly [K in keyof Q]: Awaited<Q[K]> }; caused: StoredEvent[] }> {
  const read = hooked && (await hooked.hook.prepare(pipelined, hooked.customerId, hooked.handled));
  if (!read) return { answers: await pipelined.commitWith(...written), caused: [] };
  const all = await pipelined.batch(...written, ...read.statements);
  const answers = all.slice(0, written.length) as { -readonly [K in keyof Q]: Awaited<Q[K]> };
  const writes = read.finish(all.slice(written.length));
  return { answers, caused: writes.toRoute(await pipelined.commitWith(...writes.statements)) };
}

/**
 * Who takes an event after its store: the hook, in the store transaction (routing then only if a
 * journey listens), or the router. Never the hook after a merge: the router reconciles runs first.
 * `mergedHere`: this event is the one whose routing carries the merge (a group's first).
 */
export function storePlan(
  options: { storeHook?: StoreHook; needsRouting?: RoutingInterest },
  event: Parameters<RoutingInterest>[0],
  merged: boolean,
  mergedHere = merged,
): { hook: StoreHook | undefined; needsRouting: boolean } {
  const hook = !merged && options.storeHook?.handles(event, false) ? options.storeHook : undefined;
  const needsRouting = hook
    ? hook.needsRouting(event, false)
    : (options.needsRouting?.(event, mergedHere) ?? true);
  return { hook, needsRouting };
}
