import { and, desc, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { customers, events, segmentMemberships } from '../db/schema.js';
import { channels, type Channel } from '../domain/channels.js';
import { consentRefusal } from '../domain/delivery-decision.js';
import { maxWindowMs, type SegmentDefinition } from '../domain/segment-definition.js';
import { eventMatches, windowOf, type SegmentFacts } from '../domain/segment-evaluation.js';
import { contactOf, contactReads } from '../delivery/customer-contact.js';
import { channelModules } from '../delivery/channels/index.js';

/** At most this many of a customer's counted events are read for one evaluation (newest first). */
export const maxEventsRead = 2_000;

export const basicsOf = (definitions: readonly SegmentDefinition[]) =>
  definitions.flatMap((d) => d.conditions.map((c) => ('not' in c ? c.not : c)));

/**
 * How far back events are read: twice the longest window, so the edge an event made when it left
 * the window is still seen (its `since`); everything for a count over all time.
 */
export function horizonOf(definitions: readonly SegmentDefinition[], at: Date): Date | undefined {
  let longest = 0;
  for (const basic of basicsOf(definitions)) {
    if (!('event' in basic)) continue;
    const w = windowOf(basic);
    if (w === undefined) return undefined;
    longest = Math.max(longest, w);
  }
  return new Date(at.getTime() - 2 * Math.min(longest, maxWindowMs));
}

export type MembershipRow = typeof segmentMemberships.$inferSelect;

/**
 * The reads behind the facts of one customer for some segments, unsent, to go out in one round
 * trip: the profile, the counted events, the contact when a segment asks for reachability, and the
 * customer's rows in these segments and the ones they name.
 */
export function segmentFactReads(
  q: Queryable,
  customerId: string,
  definitions: readonly SegmentDefinition[],
  at: Date,
  /** Lock the customer's membership rows (an update); a preview only reads. */
  forUpdate = true,
) {
  // The profile only for traits, or under the lock (where it also tells a merged-away customer).
  const needsProfile = forUpdate || basicsOf(definitions).some((b) => 'trait' in b || 'reachable' in b);
  const basics = basicsOf(definitions);
  const names = [...new Set(basics.flatMap((b) => ('event' in b ? [b.event] : [])))];
  const horizon = horizonOf(definitions, at);
  const ids = [
    ...new Set([
      ...definitions.map((d) => d.id),
      ...basics.flatMap((b) => ('segment' in b ? [b.segment] : [])),
    ]),
  ];
  return {
    // A customer merged into another holds nothing: no profile, so no answer.
    profile: needsProfile
      ? q
          .select({ traits: customers.traits })
          .from(customers)
          .where(and(eq(customers.id, customerId), isNull(customers.mergedIntoId)))
      : undefined,
    events:
      names.length === 0
        ? undefined
        : q
            .select({ name: events.name, properties: events.properties, occurredAt: events.occurredAt })
            .from(events)
            .where(
              and(
                eq(events.customerId, customerId),
                eq(events.type, 'track'),
                inArray(events.name, names),
                horizon ? gt(events.occurredAt, horizon) : undefined,
              ),
            )
            .orderBy(desc(events.occurredAt))
            .limit(maxEventsRead),
    contact: basics.some((b) => 'reachable' in b) ? contactReads(q, customerId) : undefined,
    rows: (() => {
      const rows = q
        .select()
        .from(segmentMemberships)
        .where(
          and(eq(segmentMemberships.customerId, customerId), inArray(segmentMemberships.segmentId, ids)),
        );
      return forUpdate ? rows.for('update') : rows;
    })(),
  };
}

type Reads = ReturnType<typeof segmentFactReads>;
type Read<K extends keyof Reads> = Awaited<NonNullable<Reads[K]>>;
export interface FactRows {
  /** Not read (an unlocked read of segments without trait conditions): one row of no traits. */
  profile: Read<'profile'>;
  events: Read<'events'> | undefined;
  contact: Parameters<typeof contactOf>[1] | undefined;
  rows: Read<'rows'>;
}

/** The reads' statements, in the order `factsFrom` names their answers. */
export function factStatements(reads: Reads): PromiseLike<unknown>[] {
  const list: PromiseLike<unknown>[] = [reads.rows, reads.profile ?? Promise.resolve([{ traits: {} }])];
  if (reads.events) list.push(reads.events);
  if (reads.contact) list.push(...reads.contact);
  return list;
}

/** The answers of `factStatements(reads)`, named. */
export function factsFrom(reads: Reads, answers: readonly unknown[]): FactRows {
  const [rows, profile] = answers as [FactRows['rows'], FactRows['profile']];
  const rest = answers.slice(2);
  return {
    rows,
    profile,
    events: reads.events ? (rest.shift() as FactRows['events']) : undefined,
    contact: reads.contact ? (rest as unknown as NonNullable<FactRows['contact']>) : undefined,
  };
}

/** Sends the reads together (in a pipelined transaction's batch, or on a pool) and names the answers. */
export async function readFacts(
  reads: Reads,
  batch: (...statements: PromiseLike<unknown>[]) => Promise<unknown[]>,
): Promise<FactRows> {
  return factsFrom(reads, await batch(...factStatements(reads)));
}

/** Per channel: marketing consent allows it and the customer has an address on it. */
function reachability(customerId: string, contact: FactRows['contact']): Partial<Record<Channel, boolean>> {
  const view = contact ? contactOf(customerId, contact) : undefined;
  if (!view) return {};
  return Object.fromEntries(
    channels.map((channel) => [
      channel,
      consentRefusal(channel, view.consent[channel]) === undefined &&
        typeof channelModules[channel].recipient(view) !== 'string',
    ]),
  );
}

/** One segment's facts from the rows read; `standing` answers for segments already evaluated in this pass. */
export function factsFor(
  customerId: string,
  definition: SegmentDefinition,
  read: FactRows,
  standing: ReadonlyMap<string, boolean>,
  /**
   * The matching events' times by condition (event name and `where`), shared by the segments of one
   * evaluation: segments often count the same event, and matching is the hot path's work per event.
   */
  matched: Map<string, Date[]> = new Map(),
): SegmentFacts {
  const eventTimes = new Map<number, Date[]>();
  definition.conditions.forEach((condition, index) => {
    const basic = 'not' in condition ? condition.not : condition;
    if (!('event' in basic)) return;
    const key = `${basic.event}\u0000${JSON.stringify(basic.where ?? null)}`;
    const times =
      matched.get(key) ??
      (read.events ?? []).filter((event) => eventMatches(basic, event)).map((event) => event.occurredAt);
    matched.set(key, times);
    eventTimes.set(index, times);
  });
  const segments: Record<string, boolean> = {};
  for (const row of read.rows) segments[row.segmentId] = row.member;
  for (const [id, member] of standing) segments[id] = member;
  return {
    traits: read.profile[0]?.traits ?? {},
    eventTimes,
    reachable: reachability(customerId, read.contact),
    segments,
  };
}
