/**
 * The username schema against a plain reference of the rules: NFC first, then 1–64 code points,
 * well-formed, no control characters, no surrounding whitespace. The schema folds these into one
 * check with an ASCII fast path; random strings of every kind must get the same verdict.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usernameSchema } from '../../src/api/schemas.js';

function reference(raw: string): string | undefined {
  const value = raw.normalize('NFC');
  const length = [...value].length;
  if (length < 1 || length > 64) return undefined;
  if (!value.isWellFormed()) return undefined;
  if (/\p{Cc}/u.test(value)) return undefined;
  if (/^\s|\s$/u.test(value)) return undefined;
  return value;
}

const pieces = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 70 }),
  fc.string({ unit: 'grapheme', maxLength: 70 }),
  fc.string({ unit: 'binary', maxLength: 70 }),
  fc.constantFrom('e\u0301', '\u00e9', '😀', '\ud83d', ' ', '\t', '\u00a0', 'a'.repeat(64)),
);

describe('username schema', () => {
  it('agrees with the reference rules on random strings', () => {
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 4 }), (parts) => {
        const raw = parts.join('');
        const parsed = usernameSchema.safeParse(raw);
        const expected = reference(raw);
        expect(parsed.success ? parsed.data : undefined).toBe(expected);
      }),
      { numRuns: 3_000 },
    );
  });

  it('counts code points: 64 emoji pass, 65 do not', () => {
    expect(usernameSchema.safeParse('😀'.repeat(64)).success).toBe(true);
    expect(usernameSchema.safeParse('😀'.repeat(65)).success).toBe(false);
    expect(usernameSchema.safeParse('a'.repeat(65)).success).toBe(false);
    expect(usernameSchema.safeParse('').success).toBe(false);
  });
});
