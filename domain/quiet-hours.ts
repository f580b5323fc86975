import type { Channel } from './channels.js';
import { localParts } from './local-time.js';
import { stableHash } from './split.js';

/** Quiet hours in the customer's own time zone, e.g. 21:00–09:00 (may wrap midnight). */
export interface QuietHours {
  /** The rule id the ledger names for a send they skipped or deferred (default `quiet-hours`). */
  id?: string;
  start: string;
  end: string;
  /** Releases at the window's opening are spread over this many minutes (deterministic per message). */
  jitterMinutes: number;
  /** A channel's own window (start = end: no quiet hours on that channel). */
  channels?: Partial<Record<Channel, { start: string; end: string }>>;
}

export const defaultQuietHours: QuietHours = { start: '21:00', end: '09:00', jitterMinutes: 30 };

/** The window that applies on a channel, and the rule id naming it (`ID` or `ID:channel`). */
export function quietHoursOn(quiet: QuietHours, channel: Channel): QuietHours & { id: string } {
  const id = quiet.id ?? 'quiet-hours';
  const own = quiet.channels?.[channel];
  return own
    ? { id: `${id}:${channel}`, start: own.start, end: own.end, jitterMinutes: quiet.jitterMinutes }
    : { id, start: quiet.start, end: quiet.end, jitterMinutes: quiet.jitterMinutes };
}

const minutesOf = (hhmm: string) => {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** Undefined when `now` is outside quiet hours; else when they end (plus this message's jitter). */
export function quietUntil(
  now: Date,
  timeZone: string,
  quiet: QuietHours,
  jitterKey: string,
): Date | undefined {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return undefined;
  const local = localParts(now, timeZone).minutes;
  const inside = start < end ? local >= start && local < end : local >= start || local < end;
  if (!inside) return undefined;
  const minutesLeft = (end - local + 24 * 60) % (24 * 60);
  const opening = now.getTime() - (now.getTime() % 60_000) + minutesLeft * 60_000;
  const jitter = quiet.jitterMinutes > 0 ? stableHash(jitterKey) % (quiet.jitterMinutes * 60) : 0;
  return new Date(opening + jitter * 1000);
}

/** A representative zone per country, for customers whose profile has none (read from their phone number). */
const zoneByCountry: Record<string, string> = {
  US: 'America/New_York',
  CA: 'America/Toronto',
  MX: 'America/Mexico_City',
  BR: 'America/Sao_Paulo',
  AR: 'America/Argentina/Buenos_Aires',
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  FR: 'Europe/Paris',
  DE: 'Europe/Berlin',
  ES: 'Europe/Madrid',
  IT: 'Europe/Rome',
  NL: 'Europe/Amsterdam',
  BE: 'Europe/Brussels',
  CH: 'Europe/Zurich',
  AT: 'Europe/Vienna',
  PT: 'Europe/Lisbon',
  PL: 'Europe/Warsaw',
  SE: 'Europe/Stockholm',
  NO: 'Europe/Oslo',
  DK: 'Europe/Copenhagen',
  FI: 'Europe/Helsinki',
  GR: 'Europe/Athens',
  TR: 'Europe/Istanbul',
  UA: 'Europe/Kyiv',
  RU: 'Europe/Moscow',
  IL: 'Asia/Jerusalem',
  AE: 'Asia/Dubai',
  IN: 'Asia/Kolkata',
  CN: 'Asia/Shanghai',
  HK: 'Asia/Hong_Kong',
  SG: 'Asia/Singapore',
  JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul',
  AU: 'Australia/Sydney',
  NZ: 'Pacific/Auckland',
  ZA: 'Africa/Johannesburg',
  NG: 'Africa/Lagos',
  EG: 'Africa/Cairo',
};

export function zoneForCountry(country: string | undefined): string | undefined {
  return country ? zoneByCountry[country] : undefined;
}
