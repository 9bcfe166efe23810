/**
 * Journal payloads: a batch of stamped commands comes back as it went in, seeds included, and a
 * batch too large for one record is split into several that come back in order.
 */
import { describe, expect, it } from 'vitest';
import type { StampedCommand } from '../../src/engine/commands.js';
import { decodeBatch, encodeBatch, JournalFormatError } from '../../src/journal/codec.js';

const batch: StampedCommand[] = Array.from({ length: 40 }, (_, i) => ({
  seq: i + 1,
  atMs: 1_800_000_000_000 + i,
  seed: i % 5 === 0 ? new Uint8Array(16).fill(i) : undefined,
  command:
    i % 5 === 0
      ? { type: 'draw', raffleId: 'main', idempotencyKey: `k-${i}` }
      : { type: 'issue', raffleId: 'main', username: `user-${i}`, count: i },
}));

describe('journal codec', () => {
  it('a batch is one payload and decodes to the same commands', () => {
    const payloads = encodeBatch(batch);
    expect(payloads).toHaveLength(1);
    expect(decodeBatch(payloads[0]!)).toEqual(batch);
  });

  it('a batch past the payload bound is split, and the parts decode in order', () => {
    const payloads = encodeBatch(batch, 600);
    expect(payloads.length).toBeGreaterThan(4);
    for (const payload of payloads) expect(payload.length).toBeLessThanOrEqual(600);
    expect(payloads.flatMap((payload) => decodeBatch(payload))).toEqual(batch);
  });

  it('refuses payloads it did not write', () => {
    for (const text of [
      '{}',
      '[]',
      '{"journal":1,"commands":[]}',
      '{"journal":1,"commands":[{"seq":"1"}]}',
      'not json',
    ]) {
      expect(() => decodeBatch(Buffer.from(text)), text).toThrow();
    }
  });

  it('refuses another journal format by name, not as damage', () => {
    const payload = Buffer.from(JSON.stringify({ journal: 2, commands: [] }));
    expect(() => decodeBatch(payload)).toThrow(JournalFormatError);
    expect(() => decodeBatch(payload)).toThrow(/journal format 2, but this version reads format 1/);
  });
});
