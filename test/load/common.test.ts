/**
 * The load runners' small shared helpers: `KEY=VALUE` arguments as an environment, and the
 * median their comparisons are made of.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { environmentOf, median } from '../../load/runner/common.js';

describe('load runner helpers', () => {
  it('environmentOf: splits each pair at its first "=", the last value of a key wins', () => {
    expect(
      environmentOf(['A=1', 'NODE_OPTIONS=--max-old-space-size=64', 'EMPTY=', 'A=2'], '--env'),
    ).toEqual({ A: '2', NODE_OPTIONS: '--max-old-space-size=64', EMPTY: '' });
  });

  it.each(['A', '=1', ''])('environmentOf: refuses %j, naming the option', (pair) => {
    expect(() => environmentOf([pair], '--server-env')).toThrow(/^--server-env must be KEY=VALUE/);
  });

  it('median: the middle of the sorted values, or the mean of the two middle ones', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1 }), (values) => {
        const given = [...values];
        const sorted = [...values].sort((a, b) => a - b);
        const n = sorted.length;
        const expected =
          n % 2 === 1
            ? (sorted[(n - 1) / 2] as number)
            : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
        expect(median(values)).toBe(expected);
        expect(values).toEqual(given); // the caller's array is not sorted in place
      }),
      { seed: 20_261_130, numRuns: 300 },
    );
  });
});
