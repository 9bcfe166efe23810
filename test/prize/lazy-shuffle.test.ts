/**
 * The lazy shuffle against an array Fisher–Yates fed the same offsets, Floyd's sampling against
 * its contract, and the shuffle's invariant check against states it must reject.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floydSample } from '../../src/kinds/prize/floyd-sample.js';
import { LazyShuffle } from '../../src/kinds/prize/lazy-shuffle.js';

const seed = Number(process.env.PRIZE_PROPERTY_SEED ?? 20_241_117);

/** Offsets in [0, remaining) for every step of a shuffle of `size`, from fractions in [0, 1). */
const runArb = fc.integer({ min: 1, max: 300 }).chain((size) =>
  fc.tuple(
    fc.constant(size),
    fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
      minLength: size,
      maxLength: size,
    }),
  ),
);

describe('lazy shuffle', () => {
  it('hands out what an array Fisher–Yates hands out, and its map stays small and consistent', () => {
    fc.assert(
      fc.property(runArb, ([size, fractions]) => {
        const shuffle = new LazyShuffle(size);
        const array = Array.from({ length: size }, (_, i) => i);
        const taken: number[] = [];
        fractions.forEach((fraction, step) => {
          const offset = Math.floor(fraction * (size - step));
          const value = shuffle.next(offset);
          [array[step], array[step + offset]] = [
            array[step + offset] as number,
            array[step] as number,
          ];
          expect(value).toBe(array[step]);
          taken.push(value);
          expect(shuffle.movedCount).toBeLessThanOrEqual(Math.min(step + 1, size - step - 1));
          const takenSet = new Set(taken);
          shuffle.checkInvariants(taken, (v) => takenSet.has(v));
          // The map is exactly the positions ahead whose value is not their own.
          const expected = [];
          for (let p = step + 1; p < size; p += 1) if (array[p] !== p) expected.push([p, array[p]]);
          expect([...shuffle.entries()].sort((a, b) => a[0] - b[0])).toEqual(expected);
        });
        expect([...taken].sort((a, b) => a - b)).toEqual(array.map((_, i) => i));
        expect(shuffle.remaining).toBe(0);
        expect(() => shuffle.next(0)).toThrow(/a value remains/);
      }),
      { seed, numRuns: 200 },
    );
  });

  it('a new shuffle of ten million values holds nothing', () => {
    const shuffle = new LazyShuffle(10_000_000);
    expect(shuffle.movedCount).toBe(0);
    expect(shuffle.remaining).toBe(10_000_000);
    shuffle.next(9_999_999);
    expect(shuffle.movedCount).toBe(1);
    expect([...shuffle.entries()]).toEqual([[9_999_999, 0]]);
  });

  it('the invariant check rejects maps that do not describe a permutation', () => {
    const check = (moved: [number, number][], steps: number, taken: number[]) => () =>
      new LazyShuffle(10, { steps, moved }).checkInvariants(taken, (v) => taken.includes(v));
    // One step that picked position 5: value 5 handed out, value 0 moved up to position 5.
    expect(check([[5, 0]], 1, [5])).not.toThrow();
    expect(check([[0, 1]], 1, [5])).toThrow(/is ahead/);
    expect(check([[5, 7]], 1, [5])).toThrow(/moved up/);
    expect(
      check(
        [
          [5, 0],
          [6, 0],
        ],
        2,
        [5, 6],
      ),
    ).toThrow(/one position only/);
    expect(check([[5, 0]], 1, [0])).toThrow(/was not handed out/);
    expect(check([], 1, [5])).toThrow(/left the array/);
    expect(check([[5, 0]], 2, [5])).toThrow(/one handed-out value per step/);
    expect(check([[5, 3]], 1, [5])).toThrow(/left its position/);
  });
});

describe('Floyd sampling', () => {
  it('picks count distinct values in range, a permutation when count = size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }).chain((size) =>
          fc.tuple(
            fc.constant(size),
            fc.integer({ min: 0, max: size }),
            fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
              minLength: 2 * size,
              maxLength: 2 * size,
            }),
          ),
        ),
        ([size, count, fractions]) => {
          let next = 0;
          const uniform = (bound: number) => Math.floor((fractions[next++] ?? 0) * bound);
          const picks = floydSample(count, size, uniform);
          expect(picks).toHaveLength(count);
          expect(new Set(picks).size).toBe(count);
          for (const pick of picks) expect(pick >= 0 && pick < size).toBe(true);
          if (count === size)
            expect([...picks].sort((a, b) => a - b)).toEqual([...Array(size).keys()]);
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('refuses to pick more values than there are', () => {
    expect(() => floydSample(3, 2, () => 0)).toThrow(/cannot pick 3 of 2/);
  });
});
