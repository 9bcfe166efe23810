/**
 * Invisible characters in names that identify someone or something (usernames, raffle names).
 *
 * Bidirectional controls (U+202E and its kin) reorder what a reader sees, and zero-width
 * characters (U+200B, U+2060, U+FEFF, …) make two names that look identical different strings:
 * both let one participant pass for another. Unicode groups them, with the other characters that
 * render as nothing, as Default_Ignorable_Code_Point, and that property is what is refused. Three
 * uses are legitimate and stay allowed, because emoji need them: a zero-width joiner between two
 * pictographs (👩‍💻), a variation selector after an emoji (❤️), and the tag characters of a
 * subdivision flag (🏴 + tags + cancel tag). The cost is that scripts which use the zero-width
 * non-joiner inside words (Persian, some Indic spellings) must do without it in names.
 */

const zeroWidthJoinerInEmoji =
  /(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D(?=\p{Extended_Pictographic})/gu;
const variationSelectorAfterEmoji = /(?<=\p{Emoji})[\uFE0E\uFE0F]/gu;
const subdivisionFlagTags = /(?<=\u{1F3F4})[\u{E0020}-\u{E007E}]+\u{E007F}/gu;
const invisible = /\p{Default_Ignorable_Code_Point}/u;

/** Whether `value` holds a bidi control or an invisible character outside an emoji sequence. */
export function hasInvisibleCharacters(value: string): boolean {
  if (!invisible.test(value)) return false;
  const withoutEmojiJoins = value
    .replace(zeroWidthJoinerInEmoji, '')
    .replace(variationSelectorAfterEmoji, '')
    .replace(subdivisionFlagTags, '');
  return invisible.test(withoutEmojiJoins);
}
