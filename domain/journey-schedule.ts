import cronParser from 'cron-parser';
import { DateTime } from 'luxon';

/**
 * When a scheduled journey fires: a cron expression ("m h dom mon dow", read in a time zone) or one
 * ISO date-time (a wall time in the zone, or one instant when it carries an offset). With members
 * in many zones, "10:00" is a different instant in each: the next fire is the earliest of the zones'
 * next occurrences, and fires for every zone whose occurrence is that instant. Pure: the
 * scheduled-entry workflow runs it.
 */

export interface Schedule {
  schedule: string;
  /** `customer`: the zones are the members'; otherwise this one zone. */
  timeZone: string;
}

export interface ScheduleFire {
  at: Date;
  /** The zones whose local time is the scheduled one at `at`. */
  zones: string[];
}

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;
const hasOffset = /(Z|[+-]\d{2}:\d{2})$/;

/** Why a schedule cannot be read; undefined when it can. */
export function scheduleProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    if (!isoDateTime.test(trimmed) || !DateTime.fromISO(trimmed, { zone: 'UTC' }).isValid)
      return `"${text}" is not an ISO date-time (e.g. 2026-12-24T10:00, or with an offset 2026-12-24T10:00Z)`;
    return undefined;
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5)
    return `"${text}" has ${fields.length} field(s): a cron expression has 5, "minute hour day-of-month month day-of-week" (e.g. "0 10 * * *")`;
  try {
    cronParser.parseExpression(trimmed, { tz: 'UTC' });
    return undefined;
  } catch (error) {
    return `"${text}" is not a cron expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The first occurrence in `zone` strictly after `after`; undefined when there is none (a past date). */
export function nextOccurrence(schedule: string, zone: string, after: Date): Date | undefined {
  const trimmed = schedule.trim();
  if (isoDateTime.test(trimmed)) {
    const at = DateTime.fromISO(trimmed, { zone: hasOffset.test(trimmed) ? 'UTC' : zone, setZone: false });
    return at.isValid && at.toMillis() > after.getTime() ? at.toJSDate() : undefined;
  }
  const iterator = cronParser.parseExpression(trimmed, { currentDate: after, tz: zone });
  return iterator.hasNext() ? iterator.next().toDate() : undefined;
}

/**
 * The next instant after `after` at which the schedule fires in at least one of `zones` (the
 * members' zones, or the journey's one zone), with every zone it fires for.
 */
export function nextFire(
  { schedule, timeZone }: Schedule,
  memberZones: readonly string[],
  after: Date,
): ScheduleFire | undefined {
  const zones = timeZone === 'customer' ? [...new Set(memberZones)].sort() : [timeZone];
  let fire: ScheduleFire | undefined;
  for (const zone of zones) {
    const at = nextOccurrence(schedule, zone, after);
    if (!at) continue;
    if (!fire || at.getTime() < fire.at.getTime()) fire = { at, zones: [zone] };
    else if (at.getTime() === fire.at.getTime()) fire.zones.push(zone);
  }
  return fire;
}

/** The occurrence as the local wall time in the zone ("2026-12-07T10:00"): a scheduled run's entry key. */
export function occurrenceKey(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat("yyyy-LL-dd'T'HH:mm");
}

/**
 * Whether a one-off date-time can no longer fire in any zone after `after` (a wall time is 10:00
 * somewhere up to 14 h before and 12 h after 10:00 UTC); a cron schedule never ends.
 */
export function scheduleOver(schedule: string, after: Date): boolean {
  const trimmed = schedule.trim();
  if (!isoDateTime.test(trimmed)) return false;
  const asUtc = DateTime.fromISO(trimmed, { zone: 'UTC' }).toMillis();
  const margin = hasOffset.test(trimmed) ? 0 : 13 * 3_600_000;
  return after.getTime() >= asUtc + margin;
}
