/**
 * Win frequencies follow the probabilities, also once a prize has run out (its share then loses;
 * the others keep their own probabilities, they do not take its share). The stamped bytes come
 * from SHA-256 of a fixed seed and a counter, so every run draws the same numbers; the bounds are
 * five standard deviations and a chi-square at p = 10^-6, so only a biased draw fails them.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateMachine } from '../../src/engine/state-machine.js';
import type { DrawResult } from '../../src/kinds/campaign/campaign.js';
import { createKindRegistry } from '../../src/kinds/registry.js';

const start = Date.UTC(2027, 0, 1);

function draws(
  seed: string,
  prizes: { id: string; probability: number; quotaTotal: number; quotaDaily?: number }[],
  count: number,
  drawsPerDay = count,
): DrawResult[] {
  const machine = new StateMachine(createKindRegistry(), {
    rafflesMax: 1,
    participantsPerRaffleMax: 10_000_000,
  });
  let seq = 0;
  const apply = (command: Record<string, unknown>, atMs: number, i: number) => {
    seq += 1;
    const bytes = createHash('sha256').update(`${seed}:${i}`).digest().subarray(0, 16);
    const outcome = machine.apply({
      seq,
      atMs,
      seed: new Uint8Array(bytes),
      command: { kind: 'campaign', ...command } as never,
    });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value;
  };
  apply(
    {
      type: 'createCampaign',
      id: 'stats',
      name: 'Statistics',
      startsAtMs: start,
      endsAtMs: start + 10_000 * 86_400_000,
      timeZone: 'UTC',
      prizes: prizes.map((p) => ({ ...p, name: p.id })),
    },
    start,
    -1,
  );
  const results: DrawResult[] = [];
  for (let i = 0; i < count; i += 1) {
    const atMs = start + Math.floor(i / drawsPerDay) * 86_400_000;
    results.push(
      apply(
        {
          type: 'draw',
          campaignId: 'stats',
          phone: `+1000${10_000_000 + i}`,
          coupon: { tag: `t${i}`, seal: `s${i}` },
        },
        atMs,
        i,
      ) as DrawResult,
    );
  }
  machine.checkInvariants();
  return results;
}

function tally(results: DrawResult[], ids: string[]): number[] {
  const counts = [...ids.map(() => 0), 0];
  for (const r of results) {
    const index = r.prize === null ? ids.length : ids.indexOf(r.prize.id);
    counts[index] = (counts[index] as number) + 1;
  }
  return counts;
}

/** Index of the `nth` win of prize `id` (-1 when it never comes). */
function indexOfWin(results: DrawResult[], id: string, nth: number): number {
  let wins = 0;
  return results.findIndex((r) => r.prize?.id === id && (wins += 1) === nth);
}

/** Each count within 5 standard deviations of n·p, and Pearson's chi-square below its 10^-6 tail. */
function expectFrequencies(counts: number[], probabilities: number[], label: string): void {
  const n = counts.reduce((a, b) => a + b, 0);
  let chiSquare = 0;
  probabilities.forEach((p, i) => {
    const expected = n * p;
    const observed = counts[i] as number;
    const sd = Math.sqrt(n * p * (1 - p));
    expect(
      Math.abs(observed - expected),
      `${label}: outcome ${i} ${observed} vs ${expected.toFixed(0)}`,
    ).toBeLessThan(5 * sd);
    chiSquare += (observed - expected) ** 2 / expected;
  });
  // Upper 10^-6 quantiles of chi-square with 1..4 degrees of freedom.
  const limit = [23.9, 27.6, 30.7, 33.4][probabilities.length - 2] as number;
  expect(chiSquare, `${label}: chi-square`).toBeLessThan(limit);
}

describe('campaign statistics (fixed seeds)', () => {
  it('frequencies: 0.56 / 0.34 / 0.05 / nothing over 40 000 draws', () => {
    const ids = ['a', 'b', 'c'];
    const results = draws(
      'frequencies',
      [
        { id: 'a', probability: 0.56, quotaTotal: 1_000_000 },
        { id: 'b', probability: 0.34, quotaTotal: 1_000_000 },
        { id: 'c', probability: 0.05, quotaTotal: 1_000_000 },
      ],
      40_000,
    );
    expectFrequencies(tally(results, ids), [0.56, 0.34, 0.05, 0.05], 'frequencies');
  });

  it('frequencies: a prize that runs out in total leaves the others at their own probability', () => {
    const ids = ['gone', 'kept'];
    const results = draws(
      'sold-out',
      [
        { id: 'gone', probability: 0.5, quotaTotal: 100 },
        { id: 'kept', probability: 0.2, quotaTotal: 1_000_000 },
      ],
      30_000,
    );
    const soldOutAt = indexOfWin(results, 'gone', 100);
    expect(soldOutAt).toBeGreaterThan(0);
    const after = results.slice(soldOutAt + 1);
    expect(tally(after, ids)[0]).toBe(0);
    // 'kept' stays at 0.2 (it would be 0.4 if it took the spent prize's share); the rest lose.
    expectFrequencies(tally(after, ids).slice(1), [0.2, 0.8], 'after sold out');
  });

  it('frequencies: a daily quota that runs out each day leaves the others at their own probability', () => {
    const ids = ['daily', 'other'];
    const perDay = 200;
    const results = draws(
      'daily',
      [
        { id: 'daily', probability: 0.3, quotaTotal: 1_000_000, quotaDaily: 20 },
        { id: 'other', probability: 0.1, quotaTotal: 1_000_000 },
      ],
      30_000,
      perDay,
    );
    const otherAfterQuota: DrawResult[] = [];
    for (let day = 0; day * perDay < results.length; day += 1) {
      const today = results.slice(day * perDay, (day + 1) * perDay);
      expect(tally(today, ids)[0]).toBe(20);
      const spentAt = indexOfWin(today, 'daily', 20);
      otherAfterQuota.push(...today.slice(spentAt + 1));
    }
    expectFrequencies(tally(otherAfterQuota, ids).slice(1), [0.1, 0.9], 'after daily quota');
  });
});
