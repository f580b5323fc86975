import type { Database } from '../db/client.js';
import {
  ingestMessage,
  markRouted,
  type Ignored,
  type IngestOptions,
  type IngestOutcome,
} from '../customers/ingest-message.js';
import { ingestGroup, sharedIdentity } from '../customers/ingest-group.js';
import type { Trust } from '../domain/merge-plan.js';
import type { SegmentMessage } from '../domain/segment-message.js';
import { routeEverything, type EventRouter, type RoutingInterest } from '../runs/event-router.js';
import { routeStoredEvent } from '../runs/route-stored-event.js';
import type { StoreHook } from '../customers/store-hook.js';
import { routedAs } from '../customers/stored-event.js';
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
  // Not routed (an import of history) is stored as routed: a later copy will not start journeys.
  const needsRouting = route
    ? await outageAware(() => deps.router.interest?.() ?? routeEverything)
    : () => false;
  const storeHook = route ? await outageAware(() => deps.router.storeHook?.()) : undefined;
  const result: AcceptResult = { stored: 0, duplicates: 0, ignored: [] };
  const ignored: { index: number; item: Ignored }[] = [];
  const indexOf = new Map(messages.map((message, index) => [message, index]));
  const groups = groupByIdentity(messages);
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined && next < groups.length) {
      const group = groups[next++] ?? [];
      try {
        await acceptGroup(
          deps,
          group,
          { receivedAt, route, needsRouting, storeHook, options },
          (message, outcome) => {
            result[outcome.outcome === 'stored' ? 'stored' : 'duplicates']++;
            const index = indexOf.get(message) ?? 0;
            if (outcome.outcome === 'stored')
              for (const item of outcome.ignored) ignored.push({ index, item });
            eventsIngested.inc({ type: message.type, outcome: outcome.outcome });
          },
        );
      } catch (error) {
        failure ??= error;
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

/** A database outage is a 503: what was stored stays stored, the client's retry is deduplicated. */
async function outageAware<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isOutage(error)) throw unavailable('the database');
    throw error;
  }
}

interface GroupContext {
  receivedAt: Date;
  route: boolean;
  needsRouting: RoutingInterest;
  storeHook: StoreHook | undefined;
  options: AcceptOptions;
}

/**
 * One person's messages, in order. Several calls that only a profile fold changes (SDK batches of
 * track and page calls) are stored in one transaction (customers/ingest-group.ts); others one by
 * one. Then each stored event that needs routing is routed, in order; the rest were stored routed.
 */
async function acceptGroup(
  deps: AcceptDeps,
  group: readonly SegmentMessage[],
  { receivedAt, route, needsRouting, storeHook, options }: GroupContext,
  counted: (message: SegmentMessage, outcome: IngestOutcome) => void,
): Promise<void> {
  const trusts = group.map((message) => trustOf(message, options));
  const ingestOptions = (index: number): IngestOptions => ({
    receivedAt,
    defaultPhoneCountry: deps.defaultPhoneCountry,
    maxClockSkewMs: deps.maxClockSkewMs,
    needsRouting,
    storeHook,
    ...trusts[index],
  });
  const keys =
    group.length > 1
      ? sharedIdentity(
          group,
          trusts.map(({ trust }) => trust),
          deps.defaultPhoneCountry,
        )
      : undefined;
  if (keys) {
    const outcomes = await outageAware(() => ingestGroup(deps.db, group, keys, ingestOptions(0)));
    for (const [index, message] of group.entries()) {
      const outcome = outcomes[index];
      if (!outcome) throw new Error(`no outcome for message ${index} of the group`);
      await settle(deps, outcome, route);
      counted(message, outcome);
    }
    return;
  }
  for (const [index, message] of group.entries()) {
    const outcome = await outageAware(() => ingestMessage(deps.db, message, ingestOptions(index)));
    await settle(deps, outcome, route);
    counted(message, outcome);
  }
}

/** Routes a stored event that needs it, or a stored copy that was never routed (the client's retry). */
async function settle(deps: AcceptDeps, outcome: IngestOutcome, route: boolean): Promise<void> {
  // What the store hook wrote with it that a journey listens to (membership changes), after it.
  const caused = outcome.outcome === 'stored' ? (outcome.caused ?? []) : [];
  await routeStored(deps, outcome, route);
  for (const event of caused)
    await routeStored(
      deps,
      { outcome: 'stored', event, customer: routedAs(event.customerId), ignored: [], routed: false },
      route,
    );
}

async function routeStored(deps: AcceptDeps, outcome: IngestOutcome, route: boolean): Promise<void> {
  if (outcome.routed) return;
  if (outcome.outcome === 'stored') {
    await routeOrUnavailable(deps, () => deps.router.route(outcome.event, outcome.customer));
    if (!deps.router.marksRouted) await outageAware(() => markRouted(deps.db, outcome.event.id));
    return;
  }
  if (!route) return;
  await outageAware(() =>
    routeStoredEvent(deps.db, outcome.event, (event, customer) =>
      routeOrUnavailable(deps, () => deps.router.route(event, customer)),
    ),
  );
}
