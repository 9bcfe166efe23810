/**
 * The nesting depth of a JSON text, measured by one pass over its characters before it is parsed.
 *
 * `JSON.parse` itself copes with deep nesting, but what reads the parsed value afterwards (the
 * REST adapter, validation, error formatting) walks it recursively and overflows the stack some
 * thousands of levels down. Counting brackets outside strings is linear and allocates nothing, so
 * a body is refused for depth before any recursive code sees it. The count is exact for valid
 * JSON; for invalid text it may be anything, and the parse that follows refuses that text anyway.
 */

const quote = 0x22; // "
const backslash = 0x5c; // \
const openBracket = 0x5b; // [
const closeBracket = 0x5d; // ]
const openBrace = 0x7b; // {
const closeBrace = 0x7d; // }

/**
 * The deepest nesting of arrays and objects in `text` (0 for a scalar), or `limit + 1` as soon as
 * the nesting passes `limit`: the scan stops there, so a hostile body costs no more than its
 * first levels.
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      // An escape covers the character after it, whatever it is (including a quote).
      if (code === backslash) i += 1;
      else if (code === quote) inString = false;
    } else if (code === quote) {
      inString = true;
    } else if (code === openBracket || code === openBrace) {
      depth += 1;
      if (depth > limit) return limit + 1;
      if (depth > deepest) deepest = depth;
    } else if (code === closeBracket || code === closeBrace) {
      depth -= 1;
    }
  }
  return deepest;
}
