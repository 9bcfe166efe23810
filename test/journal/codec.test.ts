/**
 * Journal payloads: a batch of stamped commands comes back as it went in, seeds included, and a
 * batch too large for one record is split into several that come back in order.
 */
import { describe, expect, it, vi } from 'vitest';
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

describe('journal codec bounds', () => {
  it('packs commands up to the fill bound; a larger command gets a payload of its own', () => {
    const big = { ...batch[1]!, command: { ...batch[1]!.command, username: 'x'.repeat(2_000) } };
    const mixed = [...batch.slice(0, 20), big, ...batch.slice(20)];
    const payloads = [...encodeBatch(mixed, 1_000)];
    const alone = payloads.filter((payload) => payload.length > 1_000);
    expect(alone).toHaveLength(1);
    expect(decodeBatch(alone[0]!)).toEqual([big]);
    expect(payloads.flatMap((payload) => decodeBatch(payload))).toEqual(mixed);
    // Filled, not split one command at a time: each payload but the last of a run is nearly full.
    expect(payloads.length).toBeLessThan(mixed.length / 3);
  });

  it('no string grows with the batch: each command is stringified on its own', () => {
    // JSON.stringify of a whole batch of large bulk requests can pass V8's string limit (about
    // 512 MiB) and throw RangeError; here the longest text made is one command's.
    const large: StampedCommand[] = Array.from({ length: 60 }, (_, i) => ({
      seq: i + 1,
      atMs: 1,
      command: {
        kind: 'ledger',
        type: 'issue',
        raffleId: 'main',
        username: 'y'.repeat(50_000),
        count: 1,
      },
    }));
    const oneCommand = JSON.stringify({ seq: 60, atMs: 1, command: large[59]!.command }).length;
    const stringify = vi.spyOn(JSON, 'stringify');
    const payloads = [...encodeBatch(large, 200_000)];
    const longest = Math.max(
      ...stringify.mock.results.map((result) => String(result.value).length),
    );
    stringify.mockRestore();
    expect(longest).toBeLessThanOrEqual(oneCommand);
    for (const payload of payloads) expect(payload.length).toBeLessThanOrEqual(200_000);
    expect(payloads.flatMap((payload) => decodeBatch(payload))).toEqual(large);
  });
});
