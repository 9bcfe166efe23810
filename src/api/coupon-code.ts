/**
 * Coupon codes: 80 random bits written as 16 characters of Crockford base32, in four groups
 * (`7KQ2-M9XD-0RTB-4WFH`), and the normalisation that turns what an operator types back into it.
 *
 * Codes are made at the edge from `node:crypto` random bytes (see `coupon-seal.ts`), never from a
 * command's stamped seed: seeds are in the journal and the audit export, so a code made from one
 * could be recomputed by anyone holding either. Nothing about a code follows from the campaign,
 * the phone or the draw number (the seed's service numbered coupons in sequence). Crockford's
 * alphabet has no I, L, O or U, and reading accepts the usual confusions (lower case, I and L for
 * 1, O for 0, missing or extra hyphens and spaces).
 */
import { couponCodeBits } from '../config/limits.js';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const characters = couponCodeBits / 5;
const groupLength = 4;

/** Character codes of one code, reused: the code is made in one call, as one flat string. */
const codeUnits = new Array<number>(characters + characters / groupLength - 1);

/**
 * Reads `couponCodeBits` bits from the stream and writes them as a grouped code. The string is
 * built in one `String.fromCharCode` call rather than by appending: appended strings are kept as
 * chains of pieces, which would make every stored code several times its size.
 */
export function couponCodeFrom(stream: { nextByte(): number }): string {
  let buffer = 0;
  let bufferedBits = 0;
  let unit = 0;
  for (let written = 0; written < characters; written += 1) {
    if (bufferedBits < 5) {
      buffer = ((buffer << 8) | stream.nextByte()) & 0xfff;
      bufferedBits += 8;
    }
    const value = (buffer >> (bufferedBits - 5)) & 31;
    bufferedBits -= 5;
    if (written > 0 && written % groupLength === 0) codeUnits[unit++] = 45; // '-'
    codeUnits[unit++] = alphabet.charCodeAt(value);
  }
  return String.fromCharCode(...codeUnits);
}

const separators = /[\s-]+/g;
const confusions: Record<string, string> = { I: '1', L: '1', O: '0' };
const canonicalBody = new RegExp(`^[${alphabet}]{${characters}}$`);

/** The canonical form of a typed code, or undefined when it cannot be one of ours. */
export function normalizeCouponCode(input: string): string | undefined {
  const body = input
    .replace(separators, '')
    .toUpperCase()
    .replace(/[ILO]/g, (letter) => confusions[letter] as string);
  if (!canonicalBody.test(body)) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < body.length; i += groupLength) groups.push(body.slice(i, i + groupLength));
  return groups.join('-');
}
