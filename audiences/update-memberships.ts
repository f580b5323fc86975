import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { pipelinedTransaction, type PipelinedTx } from '../db/pipelined-transaction.js';
import { events, segmentMemberships } from '../db/schema.js';
import {
  membershipChange,
  membershipEventNames,
  membershipMessageId,
  type Standing,
} from '../domain/membership-change.js';
import { evaluateSegment } from '../domain/segment-evaluation.js';
import { toStoredEvent, type StoredEvent } from '../customers/stored-event.js';
import type { RoutingInterest } from '../customers/event-row.js';
import type { HookWrites } from '../customers/store-hook.js';
import type { SegmentIndex } from './segment-catalog.js';
import {
  factsFor,
  factsFrom,
  factStatements,
  readFacts,
  segmentFactReads,
  type FactRows,
  type MembershipRow,
} from './segment-facts.js';
import type { DeployedSegment } from './segment-store.js';
import { eventFactsRead, readEventFacts } from './quick-facts.js';

export interface MembershipUpdate {
  /** The canonical customer. */
  customerId: string;
  /** The segments to evaluate; the index orders them (a named segment before those naming it). */
  segmentIds: readonly string[];
  /** The instant the answer is for (now, or a clock tick's time). */
  at: Date;
  /** What caused the evaluation: the event's time, or the due time a tick re-evaluates at. */
  cause: Date;
  /** Customers this one absorbed: their rows go (their events are this customer's now). */
  mergedFrom?: readonly string[];
  /** Whether a membership event needs routing (a journey listens); unset: each is stored unrouted. */
  needsRouting?: RoutingInterest;
}

const standingOf = (row: MembershipRow | undefined): Standing | undefined =>
  row && {
    member: row.member,
    entries: row.entries,
    enteredAt: row.enteredAt,
    leftAt: row.leftAt,
    nextCheckAt: row.nextCheckAt,
  };

type MembershipInsert = typeof segmentMemberships.$inferInsert;
type EventInsert = typeof events.$inferInsert;

interface Evaluated {
  row: MembershipInsert;
  event?: EventInsert;
  /** Whether the row must be written: new, changed, a newer version, or an earlier edge to wait for. */
  write: boolean;
}

/**
 * Each segment's answer from the facts read, in evaluation order. A stored `next_check_at` earlier
 * than the new one is kept (the clock then finds nothing changed and stores the later one): so an
 * event that only moves an edge later writes nothing.
 */
function evaluateAll(
  deployed: readonly DeployedSegment[],
  read: FactRows,
  update: MembershipUpdate,
): Evaluated[] {
  const standing = new Map<string, boolean>();
  const matched = new Map<string, Date[]>();
  return deployed.map(({ definition, version }) => {
    const previous = read.rows.find((row) => row.segmentId === definition.id);
    const facts = factsFor(update.customerId, definition, read, standing, matched);
    const answer = evaluateSegment(definition, facts, update.at);
    const { standing: next, change } = membershipChange(standingOf(previous), answer, update.cause);
    standing.set(definition.id, next.member);
    const stored = previous?.nextCheckAt?.getTime();
    const edge = next.nextCheckAt?.getTime();
    const earlierEdge = edge !== undefined && (stored === undefined || edge < stored);
    const write = !previous || change !== undefined || previous.segmentVersion !== version || earlierEdge;
    const row = {
      segmentId: definition.id,
      customerId: update.customerId,
      segmentVersion: version,
      evaluatedAt: update.at,
      ...next,
    };
    if (!change) return { row, write };
    const event: EventInsert = {
      messageId: membershipMessageId(definition.id, update.customerId, change),
      customerId: update.customerId,
      type: 'track',
      name: membershipEventNames[change.kind],
      properties: { segment: definition.id, entry: change.entry, segment_version: version },
      context: {},
      occurredAt: change.at,
      receivedAt: update.at,
      routedAt:
        update.needsRouting?.(
          { type: 'track', name: membershipEventNames[change.kind], properties: { segment: definition.id } },
          false,
        ) === false
          ? new Date()
          : null,
    };
    return { row, event, write };
  });
}

/**
 * Evaluates one customer's segments and records what changed in one transaction: each row's
 * standing, and a `Segment Entered` / `Segment Left` event per change (stored unrouted, so the
 * router, or after a crash the unrouted-event sweep, hands it to journeys). Most events change no
 * answer: the facts are read first without a lock, and when nothing is to be written that is all.
 * Otherwise serialised per customer by an advisory lock and read again under it; idempotent:
 * evaluating again with nothing new changes nothing. Returns the membership events written, or
 * undefined when the customer has no profile.
 */
export async function updateMemberships(
  db: Database,
  index: SegmentIndex,
  update: MembershipUpdate,
): Promise<StoredEvent[] | undefined> {
  const deployed = deployedIn(index, update.segmentIds);
  const merged = update.mergedFrom ?? [];
  if (deployed.length === 0 && merged.length === 0) return [];
  const definitions = deployed.map((s) => s.definition);
  if (merged.length === 0) {
    const read =
      (await readEventFacts(db, update.customerId, definitions, update.at)) ??
      (await readFacts(segmentFactReads(db, update.customerId, definitions, update.at, false), (...reads) =>
        Promise.all(reads),
      ));
    if (read.profile.length === 0) return undefined;
    if (!evaluateAll(deployed, read, update).some((e) => e.write)) return [];
  }
  return pipelinedTransaction(db, async (tx) => {
    const writes = await membershipWrites(tx, deployed, update);
    return writes && writes.toRoute(await tx.commitWith(...writes.statements));
  });
}

/** The deployed segments of these ids, in evaluation order (a named segment before those naming it). */
export const deployedIn = (index: SegmentIndex, ids: readonly string[]): DeployedSegment[] =>
  index.order.filter((id) => ids.includes(id)).flatMap((id) => index.segments.get(id) ?? []);

/**
 * The locked half of an update, on a transaction of the caller's (this module's, or ingest's store
 * transaction, customers/store-hook.ts): the customer's segment lock and the facts read again under
 * it, unsent (the store sends them behind its own writes, in the same round trip); `finish` turns
 * their answers into the writes to send with COMMIT, undefined when the customer has no profile.
 */
export function membershipRead(
  { db: tx }: Pick<PipelinedTx, 'db'>,
  deployed: readonly DeployedSegment[],
  update: MembershipUpdate,
): { statements: PromiseLike<unknown>[]; finish(answers: readonly unknown[]): HookWrites | undefined } {
  const lock = tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`segments:${update.customerId}`}, 0))`,
  );
  const definitions = deployed.map((s) => s.definition);
  // Segments of events alone: one fixed statement behind the lock (the lock serialises every writer
  // of these rows); otherwise the profile, contact and rows read with drizzle, the rows locked too.
  const quick = eventFactsRead(tx, update.customerId, definitions, update.at);
  const facts = quick
    ? {
        statements: [quick.statement],
        of: (answers: readonly unknown[]) => quick.facts(answers[0] as Parameters<typeof quick.facts>[0]),
      }
    : factsOfReads(segmentFactReads(tx, update.customerId, definitions, update.at));
  return {
    statements: [lock, ...facts.statements],
    finish: ([, ...answers]) => {
      const read = facts.of(answers);
      return read.profile.length === 0 ? undefined : membershipWritesFor(tx, deployed, update, read);
    },
  };
}

const factsOfReads = (reads: ReturnType<typeof segmentFactReads>) => ({
  statements: factStatements(reads),
  of: (answers: readonly unknown[]) => factsFrom(reads, answers),
});

/** The same, sent and answered: the writes to commit, undefined when the customer has no profile. */
export async function membershipWrites(
  pipelined: PipelinedTx,
  deployed: readonly DeployedSegment[],
  update: MembershipUpdate,
): Promise<HookWrites | undefined> {
  const read = membershipRead(pipelined, deployed, update);
  return read.finish(await pipelined.batch(...read.statements));
}

function membershipWritesFor(
  tx: PipelinedTx['db'],
  deployed: readonly DeployedSegment[],
  update: MembershipUpdate,
  read: FactRows,
): HookWrites {
  const evaluated = evaluateAll(deployed, read, update).filter((e) => e.write);
  const rows = evaluated.map((e) => e.row);
  const changes = evaluated.flatMap((e) => e.event ?? []);
  const merged = update.mergedFrom ?? [];
  const statements: PromiseLike<unknown>[] = [
    ...(changes.length > 0 ? [tx.insert(events).values(changes).onConflictDoNothing().returning()] : []),
    ...(rows.length > 0 ? [upsertRows(tx, rows)] : []),
    ...(merged.length > 0
      ? [tx.delete(segmentMemberships).where(inArray(segmentMemberships.customerId, [...merged]))]
      : []),
  ];
  return {
    statements,
    // Membership events stored routed (no journey listens) need no routing.
    toRoute: (answers) =>
      changes.length === 0
        ? []
        : (answers[0] as (typeof events.$inferSelect)[])
            .filter((row) => row.routedAt === null)
            .map(toStoredEvent),
  };
}

function upsertRows(tx: Pick<Database, 'insert'>, rows: MembershipInsert[]) {
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  return tx
    .insert(segmentMemberships)
    .values(rows)
    .onConflictDoUpdate({
      target: [segmentMemberships.segmentId, segmentMemberships.customerId],
      set: {
        member: excluded('member'),
        segmentVersion: excluded('segment_version'),
        enteredAt: excluded('entered_at'),
        leftAt: excluded('left_at'),
        entries: excluded('entries'),
        nextCheckAt: excluded('next_check_at'),
        evaluatedAt: excluded('evaluated_at'),
      },
    });
}
