/**
 * Phone numbers at the edge: whatever a customer typed, read with libphonenumber-js and written
 * as E.164 (`+6591234567`), so `+65 9123 4567`, `+65-9123-4567` and `(+65) 91234567` are one
 * customer. The number must carry its country code; a national number alone is ambiguous.
 *
 * The `min` metadata is used: it checks each country's number lengths and leading digits, which
 * refuses typos and impossible numbers, at about half the size of `max`. `max` would add the exact
 * per-type patterns (mobile, fixed line…), which this service never asks for, and it refuses
 * numbers of newly opened ranges until the package's metadata catches up. Normalisation happens
 * here and never in `apply`, so a newer metadata version cannot change what a replay decides.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** The E.164 form of `input`, or undefined when it is not a valid international number. */
export function e164Of(input: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim());
  // An extension would make two numbers of one line into two customers: refused.
  if (parsed === undefined || parsed.ext !== undefined || !parsed.isValid()) return undefined;
  return parsed.number;
}

/**
 * A `+` written unencoded in a URL query reads as a space (`?phone=+6591234567` arrives as
 * ` 6591234567`); a number in a query that starts with a space and a digit gets its `+` back.
 */
export function queryPhone(input: string): string {
  return /^ [0-9]/.test(input) ? `+${input.slice(1)}` : input;
}
