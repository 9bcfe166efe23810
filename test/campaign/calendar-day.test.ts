/**
 * Calendar days in a zone: exact at local midnight on both sides of the date line and across
 * summer-time changes, equal to a second route through the zone data (`toLocaleString`) at random
 * instants whatever order they are asked in (the per-zone minute cache), and zone names checked
 * and canonicalised with `Intl`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, dayNumberAt, dayText } from '../../src/kinds/campaign/calendar-day.js';
import { referenceDay } from '../support/reference-campaign.js';

const day = (zone: string, iso: string) => dayText(dayNumberAt(zone, Date.parse(iso)));

describe('calendar day', () => {
  it('day: turns over at local midnight in UTC+14, UTC−11 and UTC', () => {
    // Pacific/Kiritimati is UTC+14: its 2027-01-02 starts at 2027-01-01T10:00Z.
    expect(day('Pacific/Kiritimati', '2027-01-01T09:59:59.999Z')).toBe('2027-01-01');
    expect(day('Pacific/Kiritimati', '2027-01-01T10:00:00.000Z')).toBe('2027-01-02');
    // Pacific/Pago_Pago is UTC−11: its 2027-01-01 starts at 2027-01-01T11:00Z.
    expect(day('Pacific/Pago_Pago', '2027-01-01T10:59:59.999Z')).toBe('2026-12-31');
    expect(day('Pacific/Pago_Pago', '2027-01-01T11:00:00.000Z')).toBe('2027-01-01');
    expect(day('UTC', '2027-01-01T23:59:59.999Z')).toBe('2027-01-01');
    expect(day('UTC', '2027-01-02T00:00:00.000Z')).toBe('2027-01-02');
  });

  it('day: a 23-hour day when summer time starts, a 25-hour day when it ends', () => {
    // New York springs forward on 2027-03-14: that day runs from 05:00Z to 04:00Z next morning.
    expect(day('America/New_York', '2027-03-14T04:59:59.999Z')).toBe('2027-03-13');
    expect(day('America/New_York', '2027-03-14T05:00:00.000Z')).toBe('2027-03-14');
    expect(day('America/New_York', '2027-03-15T03:59:59.999Z')).toBe('2027-03-14');
    expect(day('America/New_York', '2027-03-15T04:00:00.000Z')).toBe('2027-03-15');
    // Santiago falls back at midnight on 2027-04-04: 2027-04-03 lasts until 04:00Z.
    expect(day('America/Santiago', '2027-04-04T03:30:00.000Z')).toBe('2027-04-03');
    expect(day('America/Santiago', '2027-04-04T04:00:00.000Z')).toBe('2027-04-04');
    // Kathmandu is UTC+5:45: midnight falls at 18:15Z.
    expect(day('Asia/Kathmandu', '2027-06-01T18:14:59.999Z')).toBe('2027-06-01');
    expect(day('Asia/Kathmandu', '2027-06-01T18:15:00.000Z')).toBe('2027-06-02');
  });

  it('day: agrees with toLocaleString at random instants, asked in any order', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...zones),
            fc.integer({ min: Date.UTC(1972, 0, 1), max: Date.UTC(2100, 0, 1) }),
            fc.integer({ min: -120_000, max: 120_000 }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (asks) => {
          for (const [zone, atMs, nearby] of asks) {
            for (const instant of [atMs, atMs + nearby]) {
              expect(dayText(dayNumberAt(zone, instant))).toBe(referenceDay(zone, instant));
            }
          }
        },
      ),
      { numRuns: 100, seed: 1972 },
    );
  });

  it('day numbers count days from 1970-01-01', () => {
    expect(dayNumberAt('UTC', 0)).toBe(0);
    expect(dayNumberAt('UTC', Date.UTC(2027, 0, 1))).toBe(Date.UTC(2027, 0, 1) / 86_400_000);
    expect(dayText(Date.UTC(2027, 0, 1) / 86_400_000)).toBe('2027-01-01');
  });

  it('zones: IANA names are canonicalised; unknown names and fixed offsets are refused', () => {
    expect(canonicalTimeZone('asia/singapore')).toBe('Asia/Singapore');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Pacific/Kiritimati')).toBe('Pacific/Kiritimati');
    for (const bad of ['Mars/Olympus_Mons', '+05:00', 'Z', '', ' UTC', 'UTC/../x'.repeat(20)]) {
      expect(canonicalTimeZone(bad)).toBeUndefined();
    }
  });
});
