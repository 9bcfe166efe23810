/**
 * The calendar day of an instant in an IANA time zone, as a day number and as `YYYY-MM-DD`.
 *
 * A campaign's "day" is the date on a wall calendar in its zone at a command's stamped time, so
 * "one draw a day" and the daily quotas turn over at the zone's own midnight without any reset
 * job, and a replay of the same stamps finds the same days. The zone rules come from the
 * runtime's `Intl` (its copy of the tz database). One `Intl.DateTimeFormat` is built per zone and
 * kept, because building one costs far more than using it; and because every UTC offset and
 * every transition since 1972 falls on a whole minute, the last minute asked for is remembered per
 * zone and answered again without formatting: under load, most draws of a campaign share their
 * minute with the draw before them.
 */

/** Milliseconds in a day of the proleptic Gregorian calendar (UTC days have no leap seconds). */
const dayMs = 86_400_000;
const minuteMs = 60_000;

interface ZoneCache {
  readonly format: Intl.DateTimeFormat;
  minute: number;
  day: number;
}

const zones = new Map<string, ZoneCache>();

/** Offsets such as `+05:00` or `Z` are refused: a campaign names a zone with rules, not a fixed offset. */
const zoneNamePattern = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    calendar: 'gregory',
    numberingSystem: 'latn',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  });
}

/**
 * The zone's canonical name as `Intl` spells it (`asia/tokyo` → `Asia/Tokyo`, `Etc/UTC` → `UTC`),
 * or undefined when the runtime knows no such zone.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!zoneNamePattern.test(name) || name.length > 64) return undefined;
  try {
    return formatterFor(name).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function cacheFor(timeZone: string): ZoneCache {
  let cache = zones.get(timeZone);
  if (cache === undefined) {
    cache = { format: formatterFor(timeZone), minute: Number.NaN, day: 0 };
    zones.set(timeZone, cache);
  }
  return cache;
}

/**
 * The day number (days since 1970-01-01 of the local date) of the instant `atMs` in `timeZone`.
 * Throws when the zone is unknown: callers validate zones before they store them.
 */
export function dayNumberAt(timeZone: string, atMs: number): number {
  const cache = cacheFor(timeZone);
  const minute = Math.floor(atMs / minuteMs);
  if (minute === cache.minute) return cache.day;
  let year = 0;
  let month = 0;
  let day = 0;
  for (const part of cache.format.formatToParts(atMs)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
  }
  const number = Date.UTC(year, month - 1, day) / dayMs;
  if (!Number.isSafeInteger(number)) {
    throw new Error(`calendar day: no date for ${atMs} in '${timeZone}'`);
  }
  cache.minute = minute;
  cache.day = number;
  return number;
}

/** `YYYY-MM-DD` of a day number. */
export function dayText(dayNumber: number): string {
  return new Date(dayNumber * dayMs).toISOString().slice(0, 10);
}
