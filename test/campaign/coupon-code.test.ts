/**
 * Coupon codes: 80 bits in 16 Crockford characters (distinct bytes give distinct codes), and the
 * normalisation of what an operator types.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { couponCodeFrom, normalizeCouponCode } from '../../src/kinds/campaign/coupon-code.js';

function codeOf(bytes: number[]): string {
  const queue = [...bytes];
  return couponCodeFrom({ nextByte: () => queue.shift() ?? 0 });
}

describe('coupon codes', () => {
  it('codes: four groups of four Crockford characters from ten bytes', () => {
    expect(codeOf(new Array(10).fill(0))).toBe('0000-0000-0000-0000');
    expect(codeOf(new Array(10).fill(255))).toBe('ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    expect(codeOf([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])).toBe('0000-0000-0000-0001');
    expect(codeOf([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toBe('G000-0000-0000-0000');
  });

  it('codes: every one of the 80 bits shows in the code (the map is one-to-one)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(255), { minLength: 10, maxLength: 10 }),
        fc.nat(79),
        (bytes, bit) => {
          const flipped = [...bytes];
          flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (0x80 >> (bit & 7));
          expect(codeOf(flipped)).not.toBe(codeOf(bytes));
          expect(codeOf(bytes)).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
        },
      ),
      { numRuns: 300, seed: 80 },
    );
  });

  it('normalise: case, spaces, hyphens and look-alike letters do not matter', () => {
    expect(normalizeCouponCode('7kq2 m9xd 0rtb 4wfh')).toBe('7KQ2-M9XD-0RTB-4WFH');
    expect(normalizeCouponCode('7KQ2M9XD0RTB4WFH')).toBe('7KQ2-M9XD-0RTB-4WFH');
    expect(normalizeCouponCode('IL0O-0000-0000-0000')).toBe('1100-0000-0000-0000');
    for (const bad of [
      '',
      'nope',
      '7KQ2-M9XD-0RTB-4WF',
      '7KQ2-M9XD-0RTB-4WFHX',
      'UUUU-0000-0000-0000',
    ]) {
      expect(normalizeCouponCode(bad)).toBeUndefined();
    }
  });
});
