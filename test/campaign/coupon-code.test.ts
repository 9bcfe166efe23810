/**
 * Coupon codes: 80 bits in 16 Crockford characters (distinct bytes give distinct codes), the
 * normalisation of what an operator types, and the seals and tags that keep codes out of the
 * state (`src/api/coupon-seal.ts`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { couponCodeFrom, normalizeCouponCode } from '../../src/api/coupon-code.js';
import { couponTagOf, newSealedCoupon, openSeal } from '../../src/api/coupon-seal.js';
import { HkdfSecretKeys } from '../../src/server/hkdf-secret-keys.js';

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

describe('coupon seals (the edge)', () => {
  const keys = new HkdfSecretKeys(Buffer.from('a-test-secret-of-thirty-two-chars!!', 'utf8'));
  const otherKeys = new HkdfSecretKeys(Buffer.from('another-secret-of-thirty-two-chars', 'utf8'));

  it('seal: opens to the code it was made from, and its tag is the typed code’s tag', () => {
    const { tag, seal } = newSealedCoupon(keys, 'lunar');
    const code = openSeal(keys, 'lunar', seal);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(couponTagOf(keys, 'lunar', code)).toBe(tag);
    expect(couponTagOf(keys, 'lunar', code.toLowerCase().replaceAll('-', ' '))).toBe(tag);
    expect(seal).not.toContain(code.replaceAll('-', ''));
  });

  it('seal: another campaign, another secret or a changed byte cannot open it', () => {
    const { seal } = newSealedCoupon(keys, 'lunar');
    expect(() => openSeal(keys, 'other', seal)).toThrow();
    expect(() => openSeal(otherKeys, 'lunar', seal)).toThrow();
    const bytes = Buffer.from(seal, 'base64url');
    bytes[14] = (bytes[14] as number) ^ 1;
    expect(() => openSeal(keys, 'lunar', bytes.toString('base64url'))).toThrow();
  });

  it('tags: depend on the secret and the campaign; unreadable input matches no code', () => {
    const code = '7KQ2-M9XD-0RTB-4WFH';
    expect(couponTagOf(keys, 'lunar', code)).not.toBe(couponTagOf(otherKeys, 'lunar', code));
    expect(couponTagOf(keys, 'lunar', code)).not.toBe(couponTagOf(keys, 'solar', code));
    expect(couponTagOf(keys, 'lunar', 'nope')).not.toBe(couponTagOf(keys, 'lunar', code));
    const codes = new Set(Array.from({ length: 200 }, () => newSealedCoupon(keys, 'x').tag));
    expect(codes.size).toBe(200);
  });
});
