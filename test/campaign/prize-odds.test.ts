/**
 * Exact probabilities: decimal sums without floating-point surprises, and a draw outcome that is
 * exactly uniform over the common scale (checked by running every possible byte through it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exactDecimalOf,
  prizeAt,
  prizeOddsOf,
  uniformOutcome,
} from '../../src/kinds/campaign/prize-odds.js';

const sumOk = (probabilities: number[]) => prizeOddsOf(probabilities).ok;

describe('prize odds', () => {
  it('sums: decimals add up exactly where doubles do not', () => {
    expect(0.56 + 0.34 + 0.1).not.toBe(1);
    expect(sumOk([0.56, 0.34, 0.1])).toBe(true);
    expect(sumOk([0.1, 0.2, 0.7])).toBe(true);
    expect(sumOk([1 / 3, 1 / 3, 1 / 3])).toBe(true);
    expect(sumOk([1])).toBe(true);
    expect(sumOk([0.5000004, 0.5])).toBe(false);
    expect(sumOk([0.7, 0.3, 1e-30])).toBe(false);
    expect(sumOk([0.999999999999, 0.000000000001])).toBe(true);
    expect(prizeOddsOf([0.6, 0.41])).toEqual({
      ok: false,
      problem: { kind: 'sum_exceeds_one', sum: '1.01' },
    });
  });

  it('decimals: each probability is the shortest decimal of its double', () => {
    expect(exactDecimalOf(0.1)).toEqual({ numerator: 1n, decimals: 1 });
    expect(exactDecimalOf(0.125)).toEqual({ numerator: 125n, decimals: 3 });
    expect(exactDecimalOf(1.5e-7)).toEqual({ numerator: 15n, decimals: 8 });
    expect(exactDecimalOf(1)).toEqual({ numerator: 1n, decimals: 0 });
    expect(exactDecimalOf(1e-31)).toBeUndefined();
  });

  it('sums: agree with adding the decimal texts as integers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: 1, max: 6 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (parts) => {
          // Each probability is digits / 10^decimals, kept at most 1.
          const probabilities = parts.map(
            ([digits, decimals]) =>
              Number(`0.${String(digits % 10 ** decimals).padStart(decimals, '0')}`) ||
              10 ** -decimals,
          );
          const micro = probabilities.map((p) => BigInt(Math.round(p * 1e6)));
          const expected = micro.reduce((a, b) => a + b, 0n) <= 1_000_000n;
          expect(sumOk(probabilities)).toBe(expected);
        },
      ),
      { numRuns: 500, seed: 56_34_10 },
    );
  });

  it('outcomes: every value of the scale is reached exactly once over all candidate bytes', () => {
    // Scale 10^1 needs 4 bits: the 16 values of the masked byte map to 0..9, and 10..15 retry.
    const result = prizeOddsOf([0.3, 0.5]);
    if (!result.ok) throw new Error('odds refused');
    const { odds } = result;
    const hits = new Map<bigint, number>();
    for (let byte = 0; byte < 256; byte += 1) {
      // A retry reads the next byte; give it a value that is always accepted.
      const bytes = [byte, 0];
      const outcome = uniformOutcome(odds, { nextByte: () => bytes.shift() as number });
      if ((byte & 15) >= 10) expect(outcome).toBe(0n);
      else hits.set(outcome, (hits.get(outcome) ?? 0) + 1);
    }
    expect([...hits.keys()].sort((a, b) => Number(a - b))).toEqual([
      0n,
      1n,
      2n,
      3n,
      4n,
      5n,
      6n,
      7n,
      8n,
      9n,
    ]);
    expect(new Set(hits.values())).toEqual(new Set([16]));
    // 0..2 pick the first prize (0.3), 3..7 the second (0.5), 8..9 nothing.
    expect([...Array(10).keys()].map((v) => prizeAt(odds, BigInt(v)))).toEqual([
      0, 0, 0, 1, 1, 1, 1, 1, -1, -1,
    ]);
  });
});
