import type { Database } from '../db/client.js';
import { canonicalCustomerId, customersMergedInto } from '../customers/resolve-customer.js';
import { ingestMessage, markRouted, type Ignored } from '../customers/ingest-message.js';
import type { Trust } from '../domain/merge-plan.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import type { EventRouter } from '../runs/event-router.js';
import { eventsIngested } from '../infra/metrics.js';
import { isOutage, unavailable } from './http-errors.js';

export interface AcceptDeps {
  db: Database;
  router: EventRouter;
  defaultPhoneCountry?: string;
  /** How far past the receive time an event may be dated (INGEST_MAX_CLOCK_SKEW); unset: 5 minutes. */
  maxClockSkewMs?: number;
  /** The clock of receipt; tests on a time-skipping server pass the server's. Default: the wall clock. */
  clock?: () => Date | Promise<Date>;
  onRouterError?: (error: unknown) => void;
}

export interface AcceptResult {
  stored: number;
  duplicates: number;
  /** What client-key messages carried but was not applied; paths prefixed `batch[i].` in a batch. */
  ignored: Ignored[];
}

export interface AcceptOptions {
  route?: boolean;
  /** `client`: sent with a client write key (no consent, no claim of others' identities). */
  trust?: Trust;
  /** A batch: each message's index in it, so ignored paths name the call (`batch[2].traits.consent`). */
  batch?: readonly number[];
  /** A client request's verified user token: its user's messages are sent with `user` trust. */
  tokenUserId?: string;
}

/** A token vouches for its own user's messages (`user` trust); consent stays the client's rule. */
function trustOf(message: SegmentMessage, options: AcceptOptions): { trust?: Trust; acceptConsent: boolean } {
  const acceptConsent = options.trust !== 'client';
  const ownUser =
    options.tokenUserId !== undefined &&
    message.userId != null &&
    String(message.userId) === options.tokenUserId;
  return { trust: options.trust === 'client' && ownUser ? 'user' : options.trust, acceptConsent };
}

/**
 * Stores each message once and hands it to the router. An outage (database or router down)
 * becomes a 503 with Retry-After: what was stored stays stored, and the client's retry is
 * deduplicated by messageId and routes whatever was not routed yet.
 */
/** Any router failure is retryable from the client's side: the event is stored, not yet routed. */
async function routeOrUnavailable(deps: AcceptDeps, route: () => Promise<void>): Promise<void> {
  try {
    await route();
  } catch (error) {
    deps.onRouterError?.(error);
    throw unavailable('the journey router');
  }
}

/** How many customers' messages of one batch are stored and routed at once. */
const ingestConcurrency = 8;

/**
 * Splits a batch into groups that share no identity (userId, anonymousId, alias previousId):
 * each group keeps its messages in order; different groups may run side by side, since the
 * per-customer locks in resolution and routing keep them correct.
 */
function groupByIdentity(messages: readonly SegmentMessage[]): SegmentMessage[][] {
  const parent: number[] = [];
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] ?? root;
    return root;
  };
  const owner = new Map<string, number>();
  messages.forEach((message, index) => {
    parent[index] = index;
    const keys = [
      message.userId ? `u:${message.userId}` : undefined,
      message.anonymousId ? `a:${message.anonymousId}` : undefined,
      message.type === 'alias' ? `u:${message.previousId}` : undefined,
    ].filter((key): key is string => key !== undefined);
    for (const key of keys) {
      const other = owner.get(key);
      if (other === undefined) owner.set(key, index);
      else parent[find(index)] = find(other);
    }
  });
  const groups = new Map<number, SegmentMessage[]>();
  messages.forEach((message, index) => {
    const root = find(index);
    const group = groups.get(root);
    if (group) group.push(message);
    else groups.set(root, [message]);
  });
  return [...groups.values()];
}

export async function acceptMessages(
  deps: AcceptDeps,
  messages: SegmentMessage[],
  receivedAt: Date,
  options: AcceptOptions = {},
): Promise<AcceptResult> {
  const route = options.route ?? true;
  const result: AcceptResult = { stored: 0, duplicates: 0, ignored: [] };
  const ignored: { index: number; item: Ignored }[] = [];
  const indexOf = new Map(messages.map((message, index) => [message, index]));
  const groups = groupByIdentity(messages);
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined && next < groups.length) {
      const group = groups[next++] ?? [];
      for (const message of group) {
        if (failure !== undefined) return;
        try {
          const { outcome, skipped } = await acceptOne(deps, message, {
            receivedAt,
            route,
            ...trustOf(message, options),
          });
          result[outcome]++;
          const index = indexOf.get(message) ?? 0;
          for (const item of skipped) ignored.push({ index, item });
          eventsIngested.inc({ type: message.type, outcome: outcome === 'stored' ? 'stored' : 'duplicate' });
        } catch (error) {
          failure ??= error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ingestConcurrency, groups.length) }, lane));
  if (failure !== undefined) throw failure;
  result.ignored = ignored
    .sort((a, b) => a.index - b.index)
    .map(({ index, item }) =>
      options.batch ? { ...item, path: `batch[${options.batch[index] ?? index}].${item.path}` } : item,
    );
  return result;
}

async function acceptOne(
  deps: AcceptDeps,
  message: SegmentMessage,
  {
    receivedAt,
    route,
    trust,
    acceptConsent,
  }: { receivedAt: Date; route: boolean; trust?: Trust; acceptConsent: boolean },
): Promise<{ outcome: 'stored' | 'duplicates'; skipped: Ignored[] }> {
  try {
    const outcome = await ingestMessage(deps.db, message, {
      receivedAt,
      defaultPhoneCountry: deps.defaultPhoneCountry,
      maxClockSkewMs: deps.maxClockSkewMs,
      trust,
      acceptConsent,
    });
    if (outcome.outcome === 'stored') {
      // Not routed (an import of history) is marked as routed too: a later copy will not start journeys.
      if (route) await routeOrUnavailable(deps, () => deps.router.route(outcome.event, outcome.customer));
      await markRouted(deps.db, outcome.event.id);
      return { outcome: 'stored', skipped: outcome.ignored };
    }
    if (!outcome.routed && route) {
      const customerId =
        (await canonicalCustomerId(deps.db, outcome.event.customerId)) ?? outcome.event.customerId;
      // Which customers this message merged is not stored: the customers ever merged into this one
      // stand in, so the router's reconciling (idempotent) runs again on the retry.
      const mergedFrom = await customersMergedInto(deps.db, customerId);
      await routeOrUnavailable(deps, () =>
        deps.router.route({ ...outcome.event, customerId }, { id: customerId, created: false, mergedFrom }),
      );
      await markRouted(deps.db, outcome.event.id);
    }
    return { outcome: 'duplicates', skipped: [] };
  } catch (error) {
    if (isOutage(error)) throw unavailable('the database');
    throw error;
  }
}
