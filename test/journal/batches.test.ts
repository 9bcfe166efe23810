/**
 * The batch reader (`src/journal/batches.ts`): only complete batches come out, and what stopped it
 * is a torn last batch (cut at its first record) exactly when no valid record of a later batch
 * follows the damage. Holes (zeros, a later part of the write kept) and cuts at every position of
 * a multi-record last batch are torn; the same damage in a batch with a later batch after it is
 * corruption at the damaged record; a missing end record is torn at the end of the last segment
 * only; format-2 segments read as before.
 */
import { describe, expect, it } from 'vitest';
import { readBatches, type BatchesEnd, type JournalBatch } from '../../src/journal/batches.js';
import type { StampedCommand } from '../../src/engine/commands.js';
import { encodeBatch } from '../../src/journal/codec.js';
import { bufferSource, encodeRecord, recordHeaderBytes } from '../../src/journal/framing.js';

function commands(from: number, count: number): StampedCommand[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: from + i,
    atMs: 1_800_000_000_000 + from + i,
    command: {
      kind: 'ledger',
      type: 'issue',
      raffleId: 'main',
      username: `u${from + i}`,
      count: 1,
    },
  }));
}

/** The records of one format-3 batch, packed small so the batch takes several. */
function batchRecords(batch: StampedCommand[], fill = 150): Buffer[] {
  return [...encodeBatch(batch, fill)].map(encodeRecord);
}

const batches = [commands(1, 3), commands(4, 6), commands(10, 5)];
const recordsOf = batches.map((batch) => batchRecords(batch));
const segment = Buffer.concat(recordsOf.flat());
/** Offsets where each batch starts, and where each record starts. */
const batchStarts: number[] = [];
const recordStarts: number[] = [];
{
  let at = 0;
  for (const records of recordsOf) {
    batchStarts.push(at);
    for (const record of records) {
      recordStarts.push(at);
      at += record.length;
    }
  }
}
const lastStart = batchStarts.at(-1)!;

function read(
  bytes: Buffer,
  last = true,
  nextSeq = 1,
): { batches: JournalBatch[]; end: BatchesEnd } {
  const out: JournalBatch[] = [];
  const reader = readBatches(bufferSource(bytes), { nextSeq, last });
  for (let next = reader.next(); ; next = reader.next()) {
    if (next.done === true) return { batches: out, end: next.value };
    out.push(next.value);
  }
}

/** A copy with zeros over [start, end): what a disk that kept a later part of a write leaves. */
function holed(bytes: Buffer, start: number, end: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.fill(0, start, end);
  return copy;
}

function firstChange(a: Buffer, b: Buffer): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return i;
  return -1;
}

const holeLengths = [1, 3, 12, 13, 40, 200];

describe('the batch reader', () => {
  it('reads every batch of an intact segment, whole, with its offsets', () => {
    expect(recordsOf.every((records) => records.length >= 3)).toBe(true);
    const { batches: read_, end } = read(segment);
    expect(read_.map((batch) => batch.commands)).toEqual(batches);
    expect(read_.map((batch) => batch.offset)).toEqual(batchStarts);
    expect(end).toEqual({ validEnd: segment.length });
  });

  it('a hole at every position of a multi-record last batch is a torn batch, cut at its start', () => {
    let tried = 0;
    for (let start = lastStart; start < segment.length; start += 1) {
      for (const length of holeLengths) {
        const damaged = holed(segment, start, Math.min(segment.length, start + length));
        if (damaged.equals(segment)) continue; // zeros over bytes that were zeros already
        const { batches: got, end } = read(damaged);
        const where = `hole at ${start}, ${length} bytes`;
        expect(
          got.map((batch) => batch.commands),
          where,
        ).toEqual(batches.slice(0, -1));
        expect(end.validEnd, where).toBe(lastStart);
        expect(end.problem?.torn, where).toBe(true);
        tried += 1;
      }
    }
    expect(tried).toBeGreaterThan(1_000);
  });

  it('the same hole in a batch that a later batch follows is corruption at the damaged record', () => {
    let tried = 0;
    for (let start = 0; start < lastStart; start += 1) {
      for (const length of holeLengths) {
        const damaged = holed(segment, start, Math.min(lastStart, start + length));
        const changed = firstChange(segment, damaged);
        if (changed < 0) continue;
        const record = recordStarts.filter((offset) => offset <= changed).at(-1)!;
        const { batches: got, end } = read(damaged);
        const where = `hole at ${start}, ${length} bytes`;
        expect(end.problem, where).toMatchObject({ torn: false, offset: record });
        expect(end.problem?.detail, where).toMatch(/made durable before the damage/);
        // Exactly the batches wholly before the damaged record came out.
        const complete = batchStarts.filter((_, i) => (batchStarts[i + 1] ?? Infinity) <= record);
        expect(
          got.map((batch) => batch.commands),
          where,
        ).toEqual(batches.slice(0, complete.length));
        tried += 1;
      }
    }
    expect(tried).toBeGreaterThan(1_000);
  });

  it('a cut at every byte of the last batch is torn, and nothing of that batch comes out', () => {
    for (let cut = lastStart; cut < segment.length; cut += 1) {
      const { batches: got, end } = read(segment.subarray(0, cut));
      expect(got, `cut at ${cut}`).toHaveLength(batches.length - 1);
      expect(end.validEnd).toBe(lastStart);
      if (cut > lastStart) expect(end.problem?.torn, `cut at ${cut}`).toBe(true);
    }
  });

  it('a missing end record is a torn batch in the last segment, corruption in an earlier one', () => {
    const noEnd = Buffer.concat([
      ...recordsOf.slice(0, -1).flat(),
      ...recordsOf.at(-1)!.slice(0, -1),
    ]);
    const last = read(noEnd);
    expect(last.batches).toHaveLength(batches.length - 1);
    expect(last.end).toMatchObject({
      validEnd: lastStart,
      problem: { torn: true, offset: lastStart },
    });
    expect(last.end.problem?.detail).toMatch(/no end record/);
    const earlier = read(noEnd, false);
    expect(earlier.end.problem).toMatchObject({ torn: false, offset: lastStart });
  });

  it('damage in a segment before the last is corruption, even in its last batch', () => {
    const damaged = holed(segment, segment.length - 20, segment.length - 10);
    expect(read(damaged, false).end.problem?.torn).toBe(false);
    expect(read(damaged, true).end.problem?.torn).toBe(true);
  });

  it('a batch without its end record followed by another batch is corruption', () => {
    const bytes = Buffer.concat([...recordsOf[0]!.slice(0, -1), ...recordsOf[1]!]);
    const { batches: got, end } = read(bytes);
    expect(got).toHaveLength(0);
    expect(end.problem).toMatchObject({ torn: false });
    expect(end.problem?.detail).toMatch(/batch 1 has no end record before batch 4/);
  });

  it('a hole in the first batch of a segment, with nothing after, is torn for a batch at nextSeq', () => {
    const only = Buffer.concat(recordsOf[1]!);
    const damaged = holed(only, 5, 30);
    expect(read(damaged, true, 4).end).toMatchObject({ validEnd: 0, problem: { torn: true } });
  });
});

describe('the batch reader on format 2', () => {
  const payloads = batches.map((batch) =>
    Buffer.from(
      JSON.stringify({
        journal: 2,
        commands: batch.map((stamped) => ({ ...stamped, seed: undefined })),
      }),
    ),
  );
  const records = payloads.map(encodeRecord);
  const old = Buffer.concat(records);
  const lastRecord = old.length - records.at(-1)!.length;

  it('each record is a whole batch', () => {
    const { batches: got, end } = read(old);
    expect(got.map((batch) => batch.commands)).toEqual(batches);
    expect(end).toEqual({ validEnd: old.length });
  });

  it('a torn last record is cut; a bad record before the last is corruption', () => {
    for (let cut = lastRecord + 1; cut < old.length; cut += 1) {
      expect(read(old.subarray(0, cut)).end).toMatchObject({
        validEnd: lastRecord,
        problem: { torn: true },
      });
    }
    for (let at = 0; at < lastRecord; at += 7) {
      const damaged = Buffer.from(old);
      damaged[at] = (damaged[at] as number) ^ 0x10;
      const { end } = read(damaged);
      expect(end.problem?.torn, `flip at ${at}`).toBe(false);
      expect(end.problem?.offset).toBeLessThanOrEqual(at);
      expect(end.problem?.offset).toBeGreaterThan(at - recordHeaderBytes - payloads[1]!.length - 1);
    }
  });
});
