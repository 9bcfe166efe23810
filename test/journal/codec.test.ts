/**
 * Journal payloads: a batch of stamped commands comes back as it went in, seeds included, and a
 * batch too large for one record is split into several that come back in order; every payload of
 * a batch names it (its first seq) and the batch ends with an end record naming its last seq.
 */
import { describe, expect, it, vi } from 'vitest';
import type { StampedCommand } from '../../src/engine/commands.js';
import {
  decodeRecord,
  encodeBatch,
  JournalFormatError,
  type JournalRecord,
} from '../../src/journal/codec.js';

/** The commands of a batch's payloads, checking that each names the batch and the end closes it. */
function decodeAll(payloads: Buffer[]): StampedCommand[] {
  const records = payloads.map((payload) => decodeRecord(payload));
  const first = records[0] as JournalRecord & { batch: number };
  const commands = records.flatMap((record) => (record.type === 'end' ? [] : record.commands));
  expect(records.at(-1)).toEqual({
    type: 'end',
    batch: commands[0]!.seq,
    last: commands.at(-1)!.seq,
  });
  for (const record of records) expect(record).toMatchObject({ batch: first.batch });
  expect(records.slice(0, -1).every((record) => record.type === 'part')).toBe(true);
  return commands;
}

/** The commands of one format-1 or format-2 payload (a whole batch). */
function decodeWhole(payload: Buffer): StampedCommand[] {
  const record = decodeRecord(payload);
  if (record.type !== 'whole') throw new Error(`a ${record.type} record`);
  return record.commands;
}

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
  it('a batch is one payload and its end record, and decodes to the same commands', () => {
    const payloads = [...encodeBatch(batch)];
    expect(payloads).toHaveLength(2);
    expect(decodeAll(payloads)).toEqual(batch);
    expect(payloads[1]!.toString()).toBe('{"journal":3,"batch":1,"end":40}');
  });

  it('a batch starting later names its own first seq in every payload', () => {
    const later = batch.slice(17);
    const payloads = [...encodeBatch(later, 600)];
    expect(payloads.length).toBeGreaterThan(3);
    expect(decodeAll(payloads)).toEqual(later);
    for (const payload of payloads) expect(decodeRecord(payload)).toMatchObject({ batch: 18 });
  });

  it('format 2: a payload is a whole batch on its own', () => {
    const commands = batch.slice(0, 3).map((stamped) => ({
      seq: stamped.seq,
      atMs: stamped.atMs,
      command: stamped.command,
    }));
    const payload = Buffer.from(JSON.stringify({ journal: 2, commands }));
    expect(decodeRecord(payload)).toEqual({
      type: 'whole',
      commands: commands.map((stamped) => ({ ...stamped, seed: undefined })),
    });
  });

  it('a batch past the payload bound is split, and the parts decode in order', () => {
    const payloads = [...encodeBatch(batch, 600)];
    expect(payloads.length).toBeGreaterThan(4);
    for (const payload of payloads) expect(payload.length).toBeLessThanOrEqual(600);
    expect(decodeAll(payloads)).toEqual(batch);
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
    expect(decodeWhole(payload).map((stamped) => stamped.command)).toEqual([
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
      '{"journal":3,"commands":[{"seq":1,"atMs":1,"command":{"type":"x"}}]}',
      '{"journal":3,"batch":0,"end":0}',
      '{"journal":3,"batch":5,"end":4}',
      '{"journal":3,"batch":5,"commands":[]}',
      'not json',
    ]) {
      expect(() => decodeRecord(Buffer.from(text)), text).toThrow();
    }
  });

  it('refuses another journal format by name, not as damage', () => {
    const payload = Buffer.from(JSON.stringify({ journal: 4, batch: 1, commands: [] }));
    expect(() => decodeRecord(payload)).toThrow(JournalFormatError);
    expect(() => decodeRecord(payload)).toThrow(
      /journal format 4, but this version reads format 3/,
    );
  });
});

describe('journal codec bounds', () => {
  it('packs commands up to the fill bound; a larger command gets a payload of its own', () => {
    const big = { ...batch[1]!, command: { ...batch[1]!.command, username: 'x'.repeat(2_000) } };
    const mixed = [...batch.slice(0, 20), big, ...batch.slice(20)];
    const payloads = [...encodeBatch(mixed, 1_000)];
    const alone = payloads.filter((payload) => payload.length > 1_000);
    expect(alone).toHaveLength(1);
    expect(decodeRecord(alone[0]!)).toMatchObject({ type: 'part', commands: [big] });
    expect(decodeAll(payloads)).toEqual(mixed);
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
    expect(decodeAll(payloads)).toEqual(large);
  });
});
