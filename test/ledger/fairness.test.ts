import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/kinds/ledger/ledger.js';

/**
 * Fairness: with draws that put the ticket back (re-issue the winner's ticket), every draw sees
 * the same weights, so winners follow a multinomial law whose chi-square statistic we can bound.
 * The seeds are a deterministic SHA-256 stream, so the test gives the same answer every run; the
 * bound is the 1e-4 quantile, so it would also hold with true randomness all but 1 in 10,000 runs.
 */
import { createHash } from 'node:crypto';

function deterministicSeeds() {
  let counter = 0;
  return (): Uint8Array => {
    counter += 1;
    return createHash('sha256').update(`fairness-${counter}`).digest().subarray(0, 16);
  };
}

/** Upper 1e-4 quantile of chi-square with k degrees of freedom (Wilson–Hilferty approximation). */
function chiSquareQuantile(k: number, z = 3.719): number {
  return k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
}

describe('fairness', () => {
  it('draw: 100,000 draws follow the ticket weights (chi-square, p = 1e-4)', () => {
    const weights = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610];
    const ledger = new Ledger({
      id: 'f',
      name: 'F',
      createdAtMs: 0,
      levelSeed: 1,
      participantsMax: 100,
    });
    weights.forEach((weight, i) => ledger.issue(`p${i}`, weight));
    const total = weights.reduce((a, b) => a + b, 0);
    const wins = new Map<string, number>();
    const nextSeed = deterministicSeeds();
    const draws = 100_000;
    for (let i = 0; i < draws; i += 1) {
      const drawn = ledger.draw(nextSeed(), i);
      if (!drawn.ok) throw new Error(drawn.message);
      wins.set(drawn.value.username, (wins.get(drawn.value.username) ?? 0) + 1);
      ledger.issue(drawn.value.username, 1);
    }
    let chiSquare = 0;
    weights.forEach((weight, i) => {
      const expected = (draws * weight) / total;
      chiSquare += ((wins.get(`p${i}`) ?? 0) - expected) ** 2 / expected;
    });
    expect(chiSquare).toBeLessThan(chiSquareQuantile(weights.length - 1));
    ledger.checkInvariants();
  });

  it('draw: a biased selection is caught by the same statistic', () => {
    // Always taking the lower of two draws favours early participants; the test must notice.
    const weights = [10, 10, 10, 10];
    const counts = [0, 0, 0, 0];
    const nextSeed = deterministicSeeds();
    for (let i = 0; i < 20_000; i += 1) {
      const ledger = new Ledger({
        id: 'b',
        name: 'B',
        createdAtMs: 0,
        levelSeed: 1,
        participantsMax: 10,
      });
      weights.forEach((weight, j) => ledger.issue(`p${j}`, weight));
      const a = ledger.draw(nextSeed(), 0);
      const b = ledger.draw(nextSeed(), 0);
      if (!a.ok || !b.ok) throw new Error('draw failed');
      const pick = Math.min(Number(a.value.username.slice(1)), Number(b.value.username.slice(1)));
      counts[pick] = (counts[pick] ?? 0) + 1;
    }
    const expected = 20_000 / 4;
    const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeGreaterThan(chiSquareQuantile(3));
  });
});
