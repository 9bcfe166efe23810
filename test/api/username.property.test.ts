/**
 * The username schema against a plain reference of the rules: NFC first, then 1–64 code points,
 * well-formed, no control characters, no bidi controls or invisible (default-ignorable)
 * characters except inside emoji sequences, no surrounding whitespace. The schema folds these
 * into one check with an ASCII fast path and regular expressions; the reference walks the code
 * points one by one. Random strings of every kind must get the same verdict.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usernameSchema } from '../../src/api/schemas.js';

const zeroWidthJoiner = 0x200d;
const cancelTag = 0xe007f;
const blackFlag = 0x1f3f4;

const isPictograph = (c: string | undefined) =>
  c !== undefined && /^\p{Extended_Pictographic}$/u.test(c);
const isEmojiModifier = (c: string | undefined) =>
  c !== undefined && /^\p{Emoji_Modifier}$/u.test(c);
const isEmoji = (c: string | undefined) => c !== undefined && /^\p{Emoji}$/u.test(c);
const isIgnorable = (c: string) => /^\p{Default_Ignorable_Code_Point}$/u.test(c);
const isTag = (code: number) => code >= 0xe0020 && code <= 0xe007e;

/** Whether the code point at `i` is invisible and not part of an emoji sequence. */
function invisibleAt(points: string[], i: number): boolean {
  const point = points[i] as string;
  if (!isIgnorable(point)) return false;
  const codeAt = (j: number) => points[j]?.codePointAt(0);
  const code = codeAt(i) as number;
  const before = points[i - 1];
  if (code === zeroWidthJoiner) {
    const joinsEmoji = isPictograph(before) || isEmojiModifier(before) || before === '\uFE0F';
    return !(joinsEmoji && isPictograph(points[i + 1]));
  }
  if (point === '\uFE0F' || point === '\uFE0E') return !isEmoji(before);
  // Tags are allowed as one run right after a black flag, closed by a cancel tag.
  let runStart = i;
  while (runStart > 0 && isTag(codeAt(runStart - 1) as number)) runStart -= 1;
  if (code === cancelTag) return !(runStart < i && codeAt(runStart - 1) === blackFlag);
  if (isTag(code)) {
    let runEnd = i;
    while (runEnd < points.length && isTag(codeAt(runEnd) as number)) runEnd += 1;
    return !(codeAt(runStart - 1) === blackFlag && codeAt(runEnd) === cancelTag);
  }
  return true;
}

function reference(raw: string): string | undefined {
  const value = raw.normalize('NFC');
  const points = [...value];
  if (points.length < 1 || points.length > 64) return undefined;
  if (!value.isWellFormed()) return undefined;
  if (/\p{Cc}/u.test(value)) return undefined;
  if (/^\s|\s$/u.test(value)) return undefined;
  for (let i = 0; i < points.length; i += 1) if (invisibleAt(points, i)) return undefined;
  return value;
}

const pieces = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 70 }),
  fc.string({ unit: 'grapheme', maxLength: 70 }),
  fc.string({ unit: 'binary', maxLength: 70 }),
  fc.constantFrom('e\u0301', '\u00e9', '😀', '\ud83d', ' ', '\t', '\u00a0', 'a'.repeat(64)),
  // Bidi controls, zero-width and other invisible characters, and the emoji sequences that
  // legitimately contain some of them, in pieces that random joins recombine.
  fc.constantFrom(
    '\u202e',
    '\u2066',
    '\u200e',
    '\u061c',
    '\u200b',
    '\u200c',
    '\u200d',
    '\u2060',
    '\ufeff',
    '\u00ad',
    '\u3164',
    '\ufe0f',
    '\u{e0067}',
    '\u{e007f}',
    '👩',
    '💻',
    '\u{1f3fd}',
    '❤',
    '🏴',
    '👩\u200d💻',
    '❤\ufe0f',
    '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
  ),
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
      // A fixed seed: a failure replays the same strings; fast-check prints seed and path.
      { numRuns: 5_000, seed: 20_260_901 },
    );
  });

  it('reports anything but a string as that alone, whatever it would read as', () => {
    for (const value of [42, null, true, { name: 'alice' }, ['alice'], { length: 3 }]) {
      const parsed = usernameSchema.safeParse(value);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((issue) => issue.code)).toEqual(['invalid_type']);
    }
  });

  it('names the rule a name breaks, plain or not', () => {
    const messages = (name: string) =>
      usernameSchema.safeParse(name).error?.issues.map((issue) => issue.message);
    expect(messages('a'.repeat(65))).toEqual(['username must be 1–64 characters']);
    expect(messages('')).toEqual(['username must be 1–64 characters']);
    expect(messages(' alice')).toEqual(['username must not start or end with whitespace']);
    expect(messages('ali\u200bce')).toEqual([
      'username must not contain bidirectional controls or invisible characters',
    ]);
    expect(messages('alice')).toBeUndefined();
  });

  it('counts code points: 64 emoji pass, 65 do not', () => {
    expect(usernameSchema.safeParse('😀'.repeat(64)).success).toBe(true);
    expect(usernameSchema.safeParse('😀'.repeat(65)).success).toBe(false);
    expect(usernameSchema.safeParse('a'.repeat(65)).success).toBe(false);
    expect(usernameSchema.safeParse('').success).toBe(false);
  });

  it.each([
    ['right-to-left override', 'alice\u202egnp.exe'],
    ['left-to-right isolate', '\u2066alice'],
    ['zero-width space', 'ali\u200bce'],
    ['zero-width joiner between letters', 'ali\u200dce'],
    ['zero-width non-joiner', 'ali\u200cce'],
    ['word joiner', 'ali\u2060ce'],
    ['byte order mark', '\ufeffalice'],
    ['soft hyphen', 'ali\u00adce'],
    ['Hangul filler', '\u3164'],
    ['joiner after an emoji, before a letter', '😀\u200da'],
    ['stray tag characters', 'a\u{e0067}\u{e007f}'],
  ])('refuses %s', (_label, name) => {
    expect(usernameSchema.safeParse(name).success).toBe(false);
  });

  it.each([
    ['a ZWJ emoji sequence', 'dev \u{1f469}\u200d\u{1f4bb}'],
    ['a skin-toned ZWJ sequence', '\u{1f469}\u{1f3fd}\u200d\u{1f4bb}'],
    ['an emoji with its presentation selector', 'love \u2764\ufe0f'],
    ['a subdivision flag', '\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}'],
  ])('accepts %s', (_label, name) => {
    expect(usernameSchema.safeParse(name).success).toBe(true);
  });
});
