/**
 * Turns random bytes carried by a command into an unbiased ticket index in [0, total).
 *
 * The state machine must be deterministic, so it never reads a random source: the command queue
 * stamps each draw with a few random bytes from `node:crypto`, and this module turns them into an
 * index by rejection sampling (draw `bitLength(total - 1)` bits, retry while the value is >= total),
 * which has no modulo bias. `crypto.randomInt` stops at 2^48, while totals reach 2^53 - 1, hence the
 * hand-built version. Rejection needs more bytes than any fixed budget with a small probability, so
 * past the stamped seed the stream continues with SHA-256(seed ‖ block counter): still a pure
 * function of the command, so a replay draws the same ticket. Each try succeeds with probability
 * above 1/2, so a draw reads fewer than two candidates on average.
 */
import { createHash } from 'node:crypto';

/** A deterministic byte stream: the seed itself, then SHA-256 blocks derived from it. */
export class SeedByteStream {
  private readonly seed: Uint8Array;
  private block: Uint8Array;
  private offset = 0;
  private blockCounter = 0;

  constructor(seed: Uint8Array) {
    if (seed.length === 0) throw new Error('SeedByteStream: the seed must not be empty');
    this.seed = seed;
    this.block = seed;
  }

  nextByte(): number {
    if (this.offset === this.block.length) {
      this.block = this.deriveBlock(this.blockCounter);
      this.blockCounter += 1;
      this.offset = 0;
    }
    const byte = this.block[this.offset];
    this.offset += 1;
    return byte as number;
  }

  private deriveBlock(counter: number): Uint8Array {
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    return createHash('sha256').update(this.seed).update(counterBytes).digest();
  }
}

/** Number of bits needed to write `value` (a non-negative safe integer) in binary; 0 for 0. */
export function bitLength(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`bitLength: ${value} is not a non-negative safe integer`);
  }
  const high = Math.floor(value / 2 ** 32);
  if (high > 0) return 64 - Math.clz32(high);
  return 32 - Math.clz32(value);
}

/**
 * Reads one candidate of `bits` bits (1..53) from the stream, most significant byte first. The
 * top byte is masked before the others are appended, so every intermediate value stays exact.
 */
export function readCandidate(bits: number, stream: { nextByte(): number }): number {
  const byteCount = Math.ceil(bits / 8);
  const topBits = bits - 8 * (byteCount - 1);
  let value = stream.nextByte() & ((1 << topBits) - 1);
  for (let i = 1; i < byteCount; i += 1) {
    value = value * 256 + stream.nextByte();
  }
  return value;
}

/**
 * A uniformly distributed integer in [0, total), for 1 <= total <= Number.MAX_SAFE_INTEGER,
 * taken from `stream` by rejection sampling.
 */
export function uniformIndex(total: number, stream: { nextByte(): number }): number {
  if (!Number.isSafeInteger(total) || total < 1) {
    throw new Error(`uniformIndex: total ${total} must be a positive safe integer`);
  }
  if (total === 1) return 0;
  const bits = bitLength(total - 1);
  for (;;) {
    const candidate = readCandidate(bits, stream);
    if (candidate < total) return candidate;
  }
}

/** The ticket index a draw command's seed selects out of `total` tickets. */
export function ticketIndexFromSeed(total: number, seed: Uint8Array): number {
  return uniformIndex(total, new SeedByteStream(seed));
}
