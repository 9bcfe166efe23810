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
      ? { kind: 'ledger', type: 'draw', raffleId: 'main', idempotencyKey: `k-${i}` }
      : { kind: 'ledger', type: 'issue', raffleId: 'main', username: `user-${i}`, count: i },
}));

describe('journal codec', () => {
  it('a batch is one payload and decodes to the same commands', () => {
    const payloads = [...encodeBatch(batch)];
    expect(payloads).toHaveLength(1);
    expect(decodeBatch(payloads[0]!)).toEqual(batch);
  });

  it('a batch past the payload bound is split, and the parts decode in order', () => {
    const payloads = [...encodeBatch(batch, 600)];
    expect(payloads.length).toBeGreaterThan(4);
    for (const payload of payloads) expect(payload.length).toBeLessThanOrEqual(600);
    expect(payloads.flatMap((payload) => decodeBatch(payload))).toEqual(batch);
  });

  it('format 1 (before kinds): commands read back as kind ledger, configure as kind engine', () => {
    const payload = Buffer.from(
      JSON.stringify({
        journal: 1,
        commands: [
          { seq: 1, atMs: 5, command: { type: 'configure', limits: { rafflesMax: 1 } } },
          {
            seq: 2,
            atMs: 6,
            command: { type: 'issue', raffleId: 'main', username: 'a', count: 1 },
          },
        ],
      }),
    );
    expect(decodeBatch(payload).map((stamped) => stamped.command)).toEqual([
      { kind: 'engine', type: 'configure', limits: { rafflesMax: 1 } },
      { kind: 'ledger', type: 'issue', raffleId: 'main', username: 'a', count: 1 },
    ]);
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
    const payload = Buffer.from(JSON.stringify({ journal: 3, commands: [] }));
    expect(() => decodeBatch(payload)).toThrow(JournalFormatError);
    expect(() => decodeBatch(payload)).toThrow(/journal format 3, but this version reads format 2/);
  });
});
