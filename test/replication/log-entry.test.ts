/**
 * Log entries: what a writer encodes is what every replica decodes (seeds, times, commands), and
 * an entry this version did not write, or one filed under another index, stops the replica with
 * a message instead of being applied or skipped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StampedCommand } from '../../src/engine/commands.js';
import {
  decodeEntry,
  encodeEntry,
  encodeStamped,
  entryOverheadBytes,
  LogEntryError,
} from '../../src/replication/log-entry.js';

const stampedArbitrary: fc.Arbitrary<Omit<StampedCommand, 'seq'>> = fc.record({
  atMs: fc.integer({ min: 0, max: 2 ** 45 }),
  seed: fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 }), { nil: undefined }),
  command: fc.record({
    kind: fc.constantFrom('ledger', 'engine'),
    type: fc.string({ minLength: 1, maxLength: 12 }),
    username: fc.string({ maxLength: 64 }),
    count: fc.integer({ min: 1, max: 1_000_000_000 }),
  }),
});

describe('log entries', () => {
  it('round trip: decode(encode(commands)) gives the same stamped commands and header', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.array(stampedArbitrary, { minLength: 1, maxLength: 20 }),
        (index, commands) => {
          const stamped = commands.map((command, i) => ({ ...command, seq: 100 + i }));
          const header = { index, writer: 'node-1', nonce: 'abc' };
          const value = encodeEntry(header, stamped.map(encodeStamped));
          const entry = decodeEntry({ index, value });
          expect(entry).toMatchObject(header);
          expect(entry.commands).toEqual(stamped);
          // The overhead bound lets a writer close an entry before it passes its size.
          const sizes = stamped.map((s) => Buffer.byteLength(encodeStamped(s)) + 1);
          const bound = entryOverheadBytes(header) + sizes.reduce((a, b) => a + b, 0);
          expect(value.length).toBeLessThanOrEqual(bound);
        },
      ),
      { seed: 15, numRuns: 200 },
    );
  });

  it.each([
    ['not JSON', Buffer.from('{'), /not JSON/],
    [
      'another format',
      Buffer.from('{"log":2,"index":1,"writer":"a","nonce":"b","commands":[]}'),
      /format 2/,
    ],
    [
      'another index',
      Buffer.from('{"log":1,"index":9,"writer":"a","nonce":"b","commands":[]}'),
      /says it is entry 9/,
    ],
    [
      'no commands',
      Buffer.from('{"log":1,"index":1,"writer":"a","nonce":"b","commands":[]}'),
      /no commands/,
    ],
    [
      'a command without a kind',
      Buffer.from(
        '{"log":1,"index":1,"writer":"a","nonce":"b","commands":[{"seq":1,"atMs":0,"command":{"type":"x"}}]}',
      ),
      /not a stamped command/,
    ],
  ])('decode refuses %s', (_name, value, message) => {
    expect(() => decodeEntry({ index: 1, value })).toThrow(LogEntryError);
    expect(() => decodeEntry({ index: 1, value })).toThrow(message);
  });
});
