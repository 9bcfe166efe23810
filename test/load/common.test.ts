/**
 * The load runners' small shared helpers: `KEY=VALUE` arguments as an environment, the median
 * their comparisons are made of, and the journal's fsync waits read from a service's metrics.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import {
  environmentOf,
  fsyncHistogramOf,
  fsyncWaitsBetween,
  median,
} from '../../load/runner/common.js';
import { latencyBucketsSeconds } from '../../src/server/metrics.js';

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

  it('fsyncWaitsBetween: counts the waits observed between two readings of the histogram', async () => {
    const seed = 20_261_203;
    // In whole microseconds up to 0.3 s, so every bucket gets its share.
    const waits = fc.array(
      fc.integer({ min: 0, max: 300_000 }).map((us) => us / 1e6),
      { maxLength: 40 },
    );
    await fc.assert(
      fc.asyncProperty(waits, waits, async (earlier, during) => {
        // The service's histogram, as `/metrics` shows it (same name and buckets).
        const registry = new Registry();
        const histogram = new Histogram({
          name: 'raffle_journal_fsync_seconds',
          help: 'fsync waits',
          buckets: latencyBucketsSeconds,
          registers: [registry],
        });
        for (const seconds of earlier) histogram.observe(seconds);
        const before = fsyncHistogramOf(await registry.metrics());
        for (const seconds of during) histogram.observe(seconds);
        const after = fsyncHistogramOf(await registry.metrics());
        const waits = fsyncWaitsBetween(before, after);
        const over = (bound: number) => during.filter((seconds) => seconds > bound).length;
        expect(waits, `seed ${seed}`).toEqual({
          fsyncs: during.length,
          meanMs: expect.closeTo(
            during.length === 0 ? 0 : (during.reduce((a, b) => a + b, 0) * 1000) / during.length,
            6,
          ) as unknown,
          over10ms: over(0.01),
          over50ms: over(0.05),
          over100ms: over(0.1),
        });
      }),
      { seed, numRuns: 100 },
    );
  });

  it('fsyncWaitsBetween: nothing to say about a service without the histogram', () => {
    expect(fsyncHistogramOf('raffle_queue_length 0\n')).toBeUndefined();
    expect(fsyncWaitsBetween(undefined, undefined)).toBeUndefined();
  });
});
