import { and, asc, eq, gt, isNotNull, not } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { events, segmentMemberships } from '../db/schema.js';
import { backfillVerdict, type BackfillVerdict } from '../domain/backfill-verdict.js';
import type { RunEvent } from '../domain/journey-runtime.js';
import { segmentEnteredEvent, segmentLeftEvent, triggerText } from '../domain/journey-trigger.js';
import { currentJourneys, type DeployedJourney } from '../catalog/journey-catalog.js';
import type { Queryable } from '../db/queryable.js';
import { UserError } from '../infra/user-error.js';
import { toRunEvent } from '../customers/stored-event.js';
import { entryDecision, enterJourneyLocked, type Routing } from './journey-entry.js';
import { lastRunOf, runningRunsOf } from './run-records.js';

/** Candidates read per query. */
const pageSize = 500;

export interface BackfillOptions {
  /** Unset: a dry run (nothing is started). */
  routing?: Routing;
  now: Date;
  /** How many candidates to show with their verdicts (in customer-id order). */
  sampleSize: number;
}

export interface BackfillReport {
  journeyId: string;
  segment: string;
  on: 'enter' | 'leave';
  dryRun: boolean;
  /** Current members (on enter), or customers who left and are out (on leave). */
  candidates: number;
  wouldEnter: number;
  /** Runs started (0 on a dry run, or when the rules changed between the look and the entry). */
  started: number;
  /** Candidates kept out, by reason. */
  notEntered: Record<string, number>;
  sample: { customerId: string; entry: string; verdict: BackfillVerdict }[];
}

type SegmentJourney = DeployedJourney & { trigger: { segment: string; on: 'enter' | 'leave' } };

/** A backfill that cannot be: the journey is not deployed, or not entered from a segment. */
export class BackfillRefused extends UserError {}

/** The deployed journey to backfill: current, and triggered on a segment's entry or exit. */
export async function segmentJourney(db: Queryable, journeyId: string): Promise<SegmentJourney> {
  const journey = (await currentJourneys(db)).find((j) => j.definition.id === journeyId);
  if (!journey)
    throw new BackfillRefused(
      `unknown journey "${journeyId}"`,
      '`omnijourney journeys list` shows the deployed ones',
    );
  const { trigger } = journey.definition;
  if (!('on' in trigger))
    throw new BackfillRefused(
      `journey "${journeyId}" starts on ${triggerText(trigger)}, not on a segment's entry or exit`,
      'backfill enters the audience of a journey triggered by { segment, on: enter | leave }; a scheduled journey enters its members at each occurrence',
    );
  return { ...journey, trigger };
}

/** The membership event of this entry as stored, or (segment evaluated before events were kept) as it would be. */
async function membershipEvent(
  db: Database,
  journey: SegmentJourney,
  member: { customerId: string; entries: number; enteredAt: Date | null; leftAt: Date | null },
): Promise<RunEvent> {
  const { segment, on } = journey.trigger;
  const messageId = `segment:${segment}:${member.customerId}:${on === 'enter' ? 'entered' : 'left'}:${member.entries}`;
  const [stored] = await db.select().from(events).where(eq(events.messageId, messageId));
  if (stored) return toRunEvent(stored);
  const at = (on === 'enter' ? member.enteredAt : member.leftAt) ?? new Date(0);
  return {
    messageId,
    name: on === 'enter' ? segmentEnteredEvent : segmentLeftEvent,
    properties: { segment, entry: member.entries },
    occurredAt: at.toISOString(),
  };
}

/**
 * Who of a segment-triggered journey's audience would enter now, and why not the others; with a
 * routing, enters them through the same entry path as the router (journey-entry.ts: under the
 * customer's lock, one workflow per entry), so running it twice starts nothing twice.
 */
export async function backfillJourney(
  db: Database,
  journey: SegmentJourney,
  options: BackfillOptions,
): Promise<BackfillReport> {
  const { segment, on } = journey.trigger;
  const { definition } = journey;
  const report: BackfillReport = {
    ...{ journeyId: definition.id, segment, on, dryRun: !options.routing },
    ...{ candidates: 0, wouldEnter: 0, started: 0, notEntered: {}, sample: [] },
  };
  const membership =
    on === 'enter'
      ? eq(segmentMemberships.member, true)
      : and(not(segmentMemberships.member), isNotNull(segmentMemberships.leftAt));
  let cursor: string | undefined;
  for (let pages = 0; pages < 100_000; pages++) {
    const page = await db
      .select()
      .from(segmentMemberships)
      .where(
        and(
          eq(segmentMemberships.segmentId, segment),
          membership,
          gt(segmentMemberships.entries, 0),
          cursor === undefined ? undefined : gt(segmentMemberships.customerId, cursor),
        ),
      )
      .orderBy(asc(segmentMemberships.customerId))
      .limit(pageSize);
    for (const member of page) {
      const { customerId } = member;
      const entryKey = String(member.entries);
      const event = await membershipEvent(db, journey, member);
      const [running, ran, decision] = await Promise.all([
        runningRunsOf(db, customerId),
        lastRunOf(db, { journeyId: definition.id, customerId, entryKey }),
        entryDecision(db, definition, { customerId, entryKey }, event, options.now),
      ]);
      const verdict = backfillVerdict({
        paused: journey.paused,
        runningEntry: running.find((run) => run.journeyId === definition.id)?.entryKey,
        ranThisEntry: ran !== undefined,
        decision,
      });
      report.candidates++;
      if (report.sample.length < options.sampleSize)
        report.sample.push({ customerId, entry: entryKey, verdict });
      if (!verdict.enter) {
        report.notEntered[verdict.reason] = (report.notEntered[verdict.reason] ?? 0) + 1;
        continue;
      }
      report.wouldEnter++;
      if (!options.routing) continue;
      const { version } = journey;
      const outcome = await enterJourneyLocked(options.routing, db, {
        ...{ definition, version, customerId, entryKey, event, now: options.now },
      });
      if (outcome.entered === 'started') report.started++;
    }
    cursor = page.at(-1)?.customerId;
    if (page.length < pageSize) break;
  }
  return report;
}
