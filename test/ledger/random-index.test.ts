import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bitLength,
  readCandidate,
  SeedByteStream,
  ticketIndexFromSeed,
  uniformIndex,
} from '../../src/domain/random-index.js';

/** A byte stream that replays a fixed list, then fails loudly if read past its end. */
function scripted(bytes: number[]) {
  let offset = 0;
  return {
    nextByte(): number {
      if (offset >= bytes.length) throw new Error('stream exhausted');
      return bytes[offset++] as number;
    },
    get consumed() {
      return offset;
    },
  };
}

describe('bitLength', () => {
  it.each([
    [0, 0],
    [1, 1],
    [2, 2],
    [255, 8],
    [256, 9],
    [2 ** 32 - 1, 32],
    [2 ** 32, 33],
    [2 ** 48, 49],
    [Number.MAX_SAFE_INTEGER, 53],
  ])('bitLength(%d) = %d', (value, bits) => {
    expect(bitLength(value)).toBe(bits);
  });

  it('refuses values that are not safe non-negative integers', () => {
    expect(() => bitLength(-1)).toThrow();
    expect(() => bitLength(2 ** 53)).toThrow();
    expect(() => bitLength(1.5)).toThrow();
  });
});

describe('uniformIndex', () => {
  it('exhaustive over one-byte totals: every index has the same number of first bytes', () => {
    for (let total = 2; total <= 256; total += 1) {
      const hits = new Array<number>(total).fill(0);
      let rejected = 0;
      for (let byte = 0; byte < 256; byte += 1) {
        const stream = scripted([byte]);
        try {
          const index = uniformIndex(total, stream);
          hits[index] = (hits[index] ?? 0) + 1;
        } catch {
          rejected += 1;
        }
      }
      const perIndex = 256 / 2 ** bitLength(total - 1);
      expect(
        hits.every((count) => count === perIndex),
        `total ${total}`,
      ).toBe(true);
      expect(rejected).toBe(256 - perIndex * total);
    }
  });

  it('exhaustive over two-byte totals: uniform over all 65,536 first pairs', () => {
    for (const total of [257, 1000, 4097, 40_000, 65_536]) {
      const hits = new Map<number, number>();
      for (let pair = 0; pair < 65_536; pair += 1) {
        try {
          const index = uniformIndex(total, scripted([pair >> 8, pair & 255]));
          hits.set(index, (hits.get(index) ?? 0) + 1);
        } catch {
          // Rejected on the first try: needs more bytes.
        }
      }
      const perIndex = 65_536 / 2 ** bitLength(total - 1);
      expect(hits.size).toBe(total);
      expect([...hits.values()].every((count) => count === perIndex)).toBe(true);
    }
  });

  it('rejects a candidate at or above the total and reads the next one', () => {
    // total 5 needs 3 bits: 0b111 = 7 is rejected, 0b110 = 6 is rejected, then 3 is accepted.
    const stream = scripted([0xff, 0x06, 0x03]);
    expect(uniformIndex(5, stream)).toBe(3);
    expect(stream.consumed).toBe(3);
  });

  it('total 1 always answers 0 without reading', () => {
    const stream = scripted([]);
    expect(uniformIndex(1, stream)).toBe(0);
  });

  it('totals above 2^48 read 53-bit candidates exactly', () => {
    const total = Number.MAX_SAFE_INTEGER;
    // 7 bytes, the top one masked to 5 bits: all ones gives 2^53 - 1, which is rejected.
    const allOnes = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    const next = [0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe];
    expect(uniformIndex(total, scripted([...allOnes, ...next]))).toBe(Number.MAX_SAFE_INTEGER - 1);
    expect(readCandidate(53, scripted([0x01, 0, 0, 0, 0, 0, 0]))).toBe(2 ** 48);
    expect(readCandidate(49, scripted([0x01, 0, 0, 0, 0, 0, 0]))).toBe(2 ** 48);
  });

  it('totals above 2^48 spread over the whole range (deciles within chi-square bounds)', () => {
    const total = 2 ** 52 + 12_345;
    const samples = 50_000;
    const deciles = new Array<number>(10).fill(0);
    for (let i = 0; i < samples; i += 1) {
      const index = ticketIndexFromSeed(total, randomBytes(16));
      expect(index).toBeLessThan(total);
      const decile = Math.floor((index / total) * 10);
      deciles[decile] = (deciles[decile] ?? 0) + 1;
    }
    const expected = samples / 10;
    const chiSquare = deciles.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: P(chi2 > 33.72) = 1e-4.
    expect(chiSquare).toBeLessThan(33.72);
  });
});

describe('SeedByteStream', () => {
  it('yields the seed first, then a deterministic continuation', () => {
    const seed = Uint8Array.from([1, 2, 3]);
    const a = new SeedByteStream(seed);
    const b = new SeedByteStream(seed);
    const first = Array.from({ length: 100 }, () => a.nextByte());
    expect(first.slice(0, 3)).toEqual([1, 2, 3]);
    expect(Array.from({ length: 100 }, () => b.nextByte())).toEqual(first);
    expect(new Set(first.slice(3)).size).toBeGreaterThan(40);
  });

  it('different seeds continue differently', () => {
    const a = new SeedByteStream(Uint8Array.from([1]));
    const b = new SeedByteStream(Uint8Array.from([2]));
    a.nextByte();
    b.nextByte();
    const restA = Array.from({ length: 32 }, () => a.nextByte());
    const restB = Array.from({ length: 32 }, () => b.nextByte());
    expect(restA).not.toEqual(restB);
  });

  it('a draw replays to the same ticket from the same seed', () => {
    const seed = randomBytes(16);
    const total = 2 ** 50 + 7;
    expect(ticketIndexFromSeed(total, seed)).toBe(
      ticketIndexFromSeed(total, Uint8Array.from(seed)),
    );
  });
});
