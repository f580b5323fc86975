import type { PipelinedTx } from '../db/pipelined-transaction.js';
import type { RoutingInterest } from './event-row.js';
import type { StoredEvent } from './stored-event.js';

/** What a hook adds to the store transaction: statements sent with COMMIT, and what they stored. */
export interface HookWrites {
  statements: PromiseLike<unknown>[];
  /** From the statements' answers: the events they stored that still need routing after COMMIT. */
  toRoute(answers: readonly unknown[]): StoredEvent[];
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
  /** Given the transaction and the handled events (in order), the writes to commit with them. */
  inTransaction(tx: PipelinedTx, customerId: string, handled: readonly StoredEvent[]): Promise<HookWrites>;
}

/**
 * Sends a store's writes and COMMIT; when the hook handles some of the events, the writes go first
 * (the hook reads the events back), then the hook's writes with COMMIT. `handled` picks the
 * handled events from the writes' answers.
 */
export async function commitStored<const Q extends readonly PromiseLike<unknown>[]>(
  pipelined: PipelinedTx,
  written: Q,
  hooked:
    | {
        hook: StoreHook;
        customerId: string;
        handled: (answers: { -readonly [K in keyof Q]: Awaited<Q[K]> }) => StoredEvent[];
      }
    | undefined,
): Promise<{ answers: { -readonly [K in keyof Q]: Awaited<Q[K]> }; caused: StoredEvent[] }> {
  if (!hooked) return { answers: await pipelined.commitWith(...written), caused: [] };
  const answers = await pipelined.batch(...written);
  const writes = await hooked.hook.inTransaction(pipelined, hooked.customerId, hooked.handled(answers));
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
