/**
 * The audit chain's two encodings against their definitions written the plain way: canonical JSON
 * (keys sorted at every depth, undefined fields dropped) against a reference that sorts a copy of
 * the value and lets `JSON.stringify` write it, and each link against SHA-256 over the previous
 * hash's 32 bytes followed by the entry's UTF-8 text, for texts that fit the reused buffer and
 * texts that do not. Values are drawn by fast-check with a fixed seed, printed on failure.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHashOfText, genesisHash } from '../../src/engine/audit-chain.js';

const seed = 4_242;

/** Sorted copy: what canonical JSON means, written without any care for speed. */
function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map((item) => (item === undefined ? null : sortedCopy(item)));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) copy[key] = sortedCopy(field);
  }
  return copy;
}

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('audit chain encodings', () => {
  it('writes canonical JSON as the sorted copy written by JSON.stringify', () => {
    fc.assert(
      fc.property(json, (value) => {
        const expected = value === undefined ? 'null' : JSON.stringify(sortedCopy(value));
        expect(canonicalJson(value), `seed ${seed}`).toBe(expected);
      }),
      { seed, numRuns: 500 },
    );
  });

  it('links each entry as SHA-256 of the previous hash bytes and the entry text', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'binary', minLength: 5_400, maxLength: 6_000 }),
      fc.string({ unit: 'grapheme-ascii', minLength: 16_300, maxLength: 17_000 }),
    );
    let previous = genesisHash;
    fc.assert(
      fc.property(text, (entryText) => {
        const expected = createHash('sha256')
          .update(Buffer.from(previous, 'hex'))
          .update(entryText, 'utf8')
          .digest('hex');
        expect(chainHashOfText(previous, entryText), `seed ${seed}`).toBe(expected);
        previous = expected;
      }),
      { seed, numRuns: 200 },
    );
  });
});
