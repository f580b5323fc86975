/**
 * The next moment a local time of day (HH:MM) occurs in a time zone, on allowed weekdays.
 * Uses Intl only (deterministic given `now`), so workflows can call it.
 */
const weekdayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdayNames)[number];

/**
 * One formatter per zone: building an Intl.DateTimeFormat costs far more than using one, and every
 * delivery decision asks for a local time. Bounded (there are about 600 zone names); pure either way.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= 1_000) formatters.clear();
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offset of the zone from UTC at an instant, in minutes (e.g. +60 for Paris in winter). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Local wall-clock fields of an instant in a zone. */
export function localParts(
  instant: Date,
  timeZone: string,
): { date: Date; weekday: Weekday; minutes: number } {
  const offset = zoneOffsetMinutes(instant, timeZone);
  const local = new Date(instant.getTime() + offset * 60_000);
  return {
    date: local,
    weekday: weekdayNames[local.getUTCDay()] ?? 'sun',
    minutes: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

/** A local wall time (as if it were UTC ms) to the instant, correcting once for a DST change between the two. */
function wallTimeToInstant(wall: number, timeZone: string): number {
  const first = wall - zoneOffsetMinutes(new Date(wall), timeZone) * 60_000;
  return wall - zoneOffsetMinutes(new Date(first), timeZone) * 60_000;
}

/** The first instant strictly after `now` at local `hh:mm` in `timeZone` on one of `weekdays`. */
export function nextLocalTime(
  now: Date,
  hhmm: string,
  timeZone: string,
  weekdays?: readonly Weekday[],
): Date {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  for (let dayAhead = 0; dayAhead <= 8; dayAhead++) {
    const local = localParts(now, timeZone).date;
    const candidateLocal = Date.UTC(
      local.getUTCFullYear(),
      local.getUTCMonth(),
      local.getUTCDate() + dayAhead,
      h,
      m,
    );
    const instant = wallTimeToInstant(candidateLocal, timeZone);
    const weekday = weekdayNames[new Date(candidateLocal).getUTCDay()] ?? 'sun';
    if (instant > now.getTime() && (!weekdays || weekdays.includes(weekday))) return new Date(instant);
  }
  throw new Error(`no ${hhmm} on ${weekdays?.join(',')} within 8 days`);
}

/** Local `hh:mm` on the calendar day of `day` (YYYY-MM-DD or an ISO time) in `timeZone`; undefined if unreadable. */
export function localTimeOnDate(day: unknown, hhmm: string, timeZone: string): Date | undefined {
  if (typeof day !== 'string') return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(day.trim());
  if (!match) return undefined;
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  const wall = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), h, m);
  if (Number.isNaN(wall)) return undefined;
  return new Date(wallTimeToInstant(wall, timeZone));
}

/**
 * A fixed-offset zone (Etc/GMT±N) where it is about `hour` o'clock at `now`: for demos and tests
 * whose marketing sends must fall outside quiet hours whatever the clock says.
 */
export function zoneWhereItIs(hour: number, now: Date): string {
  let offset = hour - now.getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  // Etc/GMT zones name the offset with the opposite sign.
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
