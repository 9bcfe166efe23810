/**
 * The record framing: what a scan accepts, what it calls a torn tail (an interrupted write) and
 * what it calls corruption (a bad record with data after it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecord, recordHeaderBytes, scanRecords } from '../../src/journal/framing.js';

const payloads = ['alpha', 'b', 'a somewhat longer third payload', '{"json":true}'].map((text) =>
  Buffer.from(text),
);
const file = Buffer.concat(payloads.map(encodeRecord));
const ends = payloads.reduce<number[]>((list, payload) => {
  list.push((list.at(-1) ?? 0) + recordHeaderBytes + payload.length);
  return list;
}, []);

describe('record framing', () => {
  it('reads back every record of an intact file', () => {
    const scan = scanRecords(file);
    expect(scan.problem).toBeUndefined();
    expect(scan.payloads.map(String)).toEqual(payloads.map(String));
    expect(scan.validEnd).toBe(file.length);
  });

  it('refuses payloads that are empty', () => {
    expect(() => encodeRecord(Buffer.alloc(0))).toThrow(/out of bounds/);
  });

  it('a file cut at any byte is a torn tail, and the complete records before it survive', () => {
    for (let cut = 0; cut < file.length; cut += 1) {
      const scan = scanRecords(file.subarray(0, cut));
      const complete = ends.filter((end) => end <= cut).length;
      expect(scan.payloads.length, `cut at ${cut}`).toBe(complete);
      expect(scan.validEnd).toBe(complete === 0 ? 0 : ends[complete - 1]);
      if (cut === scan.validEnd) expect(scan.problem).toBeUndefined();
      else expect(scan.problem?.torn, `cut at ${cut}`).toBe(true);
    }
  });

  it('zeros after the last record (a file extended but never written) are a torn tail', () => {
    const scan = scanRecords(Buffer.concat([file, Buffer.alloc(64)]));
    expect(scan.payloads).toHaveLength(payloads.length);
    expect(scan.problem?.torn).toBe(true);
  });

  it('a flipped bit in any record but the last is corruption, never a torn tail', () => {
    const beforeLast = ends[ends.length - 2] as number;
    fc.assert(
      fc.property(fc.nat({ max: beforeLast - 1 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const damaged = Buffer.from(file);
        damaged[at] = (damaged[at] as number) ^ (1 << bit);
        const scan = scanRecords(damaged);
        expect(scan.problem?.torn).toBe(false);
        // The scan stops at the damaged record: the records before it are intact.
        const record = ends.findIndex((end) => at < end);
        expect(scan.payloads).toHaveLength(record);
        expect(scan.problem?.offset).toBe(record === 0 ? 0 : ends[record - 1]);
      }),
      { numRuns: 400 },
    );
  });

  it('a flipped length byte is caught by the header checksum, not read as a long record', () => {
    const damaged = Buffer.from(file);
    damaged[3] = 0x7f; // the top byte of the first record's length
    const scan = scanRecords(damaged);
    expect(scan.problem).toMatchObject({ torn: false, offset: 0 });
    expect(scan.problem?.detail).toMatch(/header checksum/);
  });
});
