/**
 * The depth scan against a plain reference: the nesting of the value `JSON.parse` builds from the
 * same text. On random JSON of every shape (strings full of brackets, quotes and escapes
 * included) the scan must give the same depth, and stop early past the limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepth } from '../../src/server/json-depth.js';

function referenceDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(referenceDepth));
}

/** Strings built to trip a naive scan: brackets, quotes, backslashes and escapes. */
const trickyString = fc
  .array(fc.constantFrom('[', ']', '{', '}', '"', '\\', '\\"', 'a', ' ', '\u2028', '\\\\['), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    trickyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(trickyString, tie('value'), { maxKeys: 4 }),
  ),
}));

describe('jsonDepth', () => {
  it('equals the depth of the parsed value on random JSON', () => {
    fc.assert(
      fc.property(jsonValue, fc.constantFrom(0, 2, 4), (value, spaces) => {
        const text = JSON.stringify(value, null, spaces);
        expect(jsonDepth(text, 1_000)).toBe(referenceDepth(JSON.parse(text)));
      }),
      // A fixed seed: a failure replays the same values; fast-check prints seed and path.
      { numRuns: 2_000, seed: 20_260_902 },
    );
  });

  it('stops at limit + 1 past the limit, and counts exactly up to it', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(jsonDepth(nested(64), 64)).toBe(64);
    expect(jsonDepth(nested(65), 64)).toBe(65);
    expect(jsonDepth(nested(1_000_000), 64)).toBe(65);
    expect(jsonDepth('"[[[[["', 2)).toBe(0);
    expect(jsonDepth('["\\"[[[[", 1]', 2)).toBe(1);
  });
});
