/**
 * Fairness of prize raffles, by statistics over many small raffles.
 *
 * Seeds are a deterministic SHA-256 stream (`prize-fairness-<n>`), so every run gives the same
 * answer; each bound is the 1e-4 quantile of its null distribution, so with true randomness a
 * correct implementation would still pass all but about 1 run in 10,000 per check. A biased
 * shuffle is run through the same statistic to show it would be caught.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SeedByteStream, uniformIndex } from '../../src/domain/random-index.js';
import { PrizeRaffle } from '../../src/kinds/prize/prize-raffle.js';

const seedLabel = 'prize-fairness';

function deterministicSeeds(label: string) {
  let counter = 0;
  return (): Uint8Array => {
    counter += 1;
    return createHash('sha256').update(`${seedLabel}-${label}-${counter}`).digest().subarray(0, 16);
  };
}

/** Upper 1e-4 quantile of chi-square with k degrees of freedom (Wilson–Hilferty approximation). */
function chiSquareQuantile(k: number, z = 3.719): number {
  return k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
}

function chiSquare(counts: Iterable<number>, cells: number, total: number): number {
  const expected = total / cells;
  let sum = 0;
  let seen = 0;
  for (const count of counts) {
    sum += (count - expected) ** 2 / expected;
    seen += 1;
  }
  // Cells never hit count too: each adds its full expected value.
  return sum + (cells - seen) * expected;
}

const codeHash = 'A'.repeat(22);

function raffleOf(ticketCount: number, prizes: string[] = ['prize']): PrizeRaffle {
  return new PrizeRaffle({ id: 'f', name: 'F', ticketCount, prizes, createdAtMs: 0, number: 1 });
}

/** Claims every ticket of the raffle; returns the ticket numbers in claim order. */
function claimAll(raffle: PrizeRaffle, nextSeed: () => Uint8Array): number[] {
  const order: number[] = [];
  for (let k = 0; k < raffle.ticketCount; k += 1) {
    const claimed = raffle.claim(`h${k}`, codeHash, new SeedByteStream(nextSeed()));
    if (!claimed.ok) throw new Error(`claim refused: ${claimed.reason}`);
    order.push(claimed.value.ticketNumber);
  }
  return order;
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

describe('prize raffle fairness', () => {
  it('hand-out order: the 120 orders of 5 tickets are equally likely (chi-square, 119 df, p = 1e-4)', () => {
    const raffles = 36_000;
    const nextSeed = deterministicSeeds('order');
    const counts = new Map<string, number>();
    for (let i = 0; i < raffles; i += 1) {
      const key = claimAll(raffleOf(5), nextSeed).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(120);
    const statistic = chiSquare(counts.values(), factorial(5), raffles);
    expect(statistic, `seeds '${seedLabel}-order-*'`).toBeLessThan(chiSquareQuantile(119));
  });

  it('hand-out order: the same statistic catches a biased shuffle (swap with any position)', () => {
    // The classic mistake: swap position k with a position uniform over all of them.
    const raffles = 36_000;
    const nextSeed = deterministicSeeds('biased');
    const counts = new Map<string, number>();
    for (let i = 0; i < raffles; i += 1) {
      const values = [1, 2, 3, 4, 5];
      for (let k = 0; k < values.length; k += 1) {
        const j = uniformIndex(values.length, new SeedByteStream(nextSeed()));
        [values[k], values[j]] = [values[j] as number, values[k] as number];
      }
      const key = values.join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(chiSquare(counts.values(), 120, raffles)).toBeGreaterThan(chiSquareQuantile(119));
  });

  it('winners: each ordered pair of distinct tickets wins the two prizes equally often (chi-square, 29 df)', () => {
    const raffles = 30_000;
    const nextSeed = deterministicSeeds('winners');
    const counts = new Map<string, number>();
    for (let i = 0; i < raffles; i += 1) {
      const raffle = raffleOf(6, ['bike', 'bike']);
      claimAll(raffle, nextSeed);
      const drawn = raffle.draw(new SeedByteStream(nextSeed()), 0);
      if (!drawn.ok) throw new Error(`draw refused: ${drawn.reason}`);
      const [first, second] = drawn.value.winners.map((winner) => winner.ticketNumber);
      expect(first).not.toBe(second);
      const key = `${first}-${second}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(30);
    const statistic = chiSquare(counts.values(), 30, raffles);
    expect(statistic, `seeds '${seedLabel}-winners-*'`).toBeLessThan(chiSquareQuantile(29));
  });

  it('winners: with as many prizes as tickets, every ticket wins exactly one prize, each prize uniformly', () => {
    const raffles = 10_000;
    const nextSeed = deterministicSeeds('all-win');
    const firstPrize = new Map<number, number>();
    for (let i = 0; i < raffles; i += 1) {
      const raffle = raffleOf(4, ['a', 'b', 'c', 'd']);
      claimAll(raffle, nextSeed);
      const drawn = raffle.draw(new SeedByteStream(nextSeed()), 0);
      if (!drawn.ok) throw new Error(`draw refused: ${drawn.reason}`);
      const tickets = drawn.value.winners.map((winner) => winner.ticketNumber);
      expect([...tickets].sort()).toEqual([1, 2, 3, 4]);
      firstPrize.set(tickets[0] as number, (firstPrize.get(tickets[0] as number) ?? 0) + 1);
    }
    expect(chiSquare(firstPrize.values(), 4, raffles)).toBeLessThan(chiSquareQuantile(3));
  });

  it('claim order and ticket number are uncorrelated (mean Pearson r over 2,000 raffles of 50, |z| < 3.89)', () => {
    // For a uniform permutation of n, r(position, value) has mean 0 and variance 1/(n - 1), so the
    // mean of R independent raffles has standard deviation 1/sqrt(R (n - 1)).
    const raffles = 2_000;
    const n = 50;
    const nextSeed = deterministicSeeds('correlation');
    const mean = (n + 1) / 2;
    const variance = (n * n - 1) / 12;
    let sumR = 0;
    for (let i = 0; i < raffles; i += 1) {
      const order = claimAll(raffleOf(n), nextSeed);
      let covariance = 0;
      order.forEach((ticket, k) => {
        covariance += (k + 1 - mean) * (ticket - mean);
      });
      sumR += covariance / n / variance;
    }
    const z = (sumR / raffles) * Math.sqrt(raffles * (n - 1));
    expect(Math.abs(z), `seeds '${seedLabel}-correlation-*'`).toBeLessThan(3.89);
  });

  it('a ten-million-ticket raffle: the first ticket falls in each tenth equally often (chi-square, 9 df)', () => {
    const raffles = 5_000;
    const nextSeed = deterministicSeeds('large');
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < raffles; i += 1) {
      const raffle = raffleOf(10_000_000);
      const claimed = raffle.claim('h', codeHash, new SeedByteStream(nextSeed()));
      if (!claimed.ok) throw new Error(`claim refused: ${claimed.reason}`);
      const tenth = Math.floor((claimed.value.ticketNumber - 1) / 1_000_000);
      counts[tenth] = (counts[tenth] ?? 0) + 1;
    }
    expect(chiSquare(counts, 10, raffles)).toBeLessThan(chiSquareQuantile(9));
  });
});
