import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { journeyStates } from '../db/schema.js';
import { nextFire, occurrenceKey, scheduleOver } from '../domain/journey-schedule.js';
import { isScheduleTrigger, scheduledEntryEvent, type ScheduleTrigger } from '../domain/journey-trigger.js';
import type { RunEvent } from '../domain/journey-runtime.js';
import { currentJourneys, type DeployedJourney } from '../catalog/journey-catalog.js';
import { enterJourneyLocked, type Routing } from './journey-entry.js';
import { effectiveZone, memberTimeZones, membersPage } from './scheduled-audience.js';

/** Members entered per page (each under its own routing lock); the activity heartbeats between pages. */
const pageSize = 200;

/**
 * The scheduled-entry workflow's next step: the schedule's next fire after a given instant across
 * the zones in play. Computed here, not in the workflow, so cron-parser and luxon stay out of the
 * workflow bundle (the SDK instantiates a bundle's modules once per cached run).
 */
export type ScheduledEntryPlan =
  | { state: 'gone' }
  | { state: 'over' }
  | { state: 'active' | 'paused'; version: string; fire?: { at: string; zones: string[] } };

/** The deployed journey if it is still scheduled (undeployed, or redeployed with another trigger: undefined). */
async function scheduledJourney(
  db: Database,
  journeyId: string,
): Promise<(DeployedJourney & { trigger: ScheduleTrigger }) | undefined> {
  const journey = (await currentJourneys(db)).find((j) => j.definition.id === journeyId);
  const trigger = journey?.definition.trigger;
  return journey && trigger && isScheduleTrigger(trigger) ? { ...journey, trigger } : undefined;
}

/**
 * The journey's next fire after `after`, across its one zone or, for `timeZone: customer`, the zones
 * its segment's members are in.
 */
export async function scheduledEntryPlan(
  db: Database,
  journeyId: string,
  after: Date,
): Promise<ScheduledEntryPlan> {
  const journey = await scheduledJourney(db, journeyId);
  if (!journey) return { state: 'gone' };
  const { schedule, timeZone, segment } = journey.trigger;
  if (scheduleOver(schedule, after)) return { state: 'over' };
  const zones =
    timeZone === 'customer'
      ? [...new Set((await memberTimeZones(db, segment)).map(effectiveZone))].sort()
      : [timeZone];
  return {
    state: journey.paused ? 'paused' : 'active',
    version: journey.version,
    ...fireAfter({ schedule, timeZone }, zones, after),
  };
}

function fireAfter(...args: Parameters<typeof nextFire>): { fire?: { at: string; zones: string[] } } {
  const fire = nextFire(...args);
  return fire ? { fire: { at: fire.at.toISOString(), zones: fire.zones } } : {};
}

export interface OccurrenceCounts {
  started: number;
  joined: number;
  notEntered: number;
  /** The journey was paused at the fire: counted as dropped entries, none started. */
  dropped: number;
}

export interface Occurrence {
  journeyId: string;
  /** The fire instant (ISO). */
  at: string;
  /** The zones whose local time is the scheduled one at `at`. */
  zones: string[];
}

/**
 * Enters the segment's members whose local time is the scheduled one at `at` into the journey's
 * current version: one entry key per occurrence (its local wall time), through the same rules and
 * routing lock as an event's entry, so a retried activity, or a second worker, starts no second
 * run. `resume` is the last customer id done (an earlier attempt's heartbeat); `progress` is told
 * each page's last.
 */
export async function enterOccurrence(
  routing: Routing,
  db: Database,
  occurrence: Occurrence & { now: Date; resume?: string; progress(cursor: string): void },
): Promise<OccurrenceCounts> {
  const counts: OccurrenceCounts = { started: 0, joined: 0, notEntered: 0, dropped: 0 };
  const journey = await scheduledJourney(db, occurrence.journeyId);
  if (!journey) return counts;
  const { segment, timeZone } = journey.trigger;
  const fixedZone = timeZone === 'customer' ? undefined : timeZone;
  const storedZones = fixedZone
    ? undefined
    : (await memberTimeZones(db, segment)).filter((zone) => occurrence.zones.includes(effectiveZone(zone)));
  let cursor = occurrence.resume;
  for (let pages = 0; pages < 1_000_000; pages++) {
    const page = await membersPage(db, { segmentId: segment, cursor, limit: pageSize, storedZones });
    for (const member of page) {
      if (journey.paused) {
        counts.dropped++;
        continue;
      }
      const zone = fixedZone ?? effectiveZone(member.timeZone);
      const entryKey = occurrenceKey(new Date(occurrence.at), zone);
      const event: RunEvent = {
        messageId: `schedule:${journey.definition.id}:${member.customerId}:${entryKey}`,
        name: scheduledEntryEvent,
        properties: { segment, occurrence: entryKey, time_zone: zone },
        occurredAt: occurrence.at,
      };
      const outcome = await enterJourneyLocked(routing, db, {
        definition: journey.definition,
        version: journey.version,
        customerId: member.customerId,
        entryKey,
        event,
        now: occurrence.now,
      });
      if (outcome.entered === 'started') counts.started++;
      else if (outcome.entered === 'joined') counts.joined++;
      else counts.notEntered++;
    }
    const last = page.at(-1);
    if (!last) break;
    cursor = last.customerId;
    occurrence.progress(cursor);
    if (page.length < pageSize) break;
  }
  if (counts.dropped > 0)
    await db
      .update(journeyStates)
      .set({ droppedEntries: sql`${journeyStates.droppedEntries} + ${counts.dropped}` })
      .where(eq(journeyStates.journeyId, occurrence.journeyId));
  return counts;
}
