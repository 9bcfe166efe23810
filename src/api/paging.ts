/**
 * Cursors of the paginated listings. A cursor names the position (admission number or draw id) of
 * the last item a page returned, followed by a check that binds it to its listing and raffle:
 * `<position>.<check>`. A cursor typed by hand (`100`, `99999999`), altered, or taken from another
 * raffle or listing fails the check and is refused with `invalid_cursor`, rather than quietly
 * paging from some other place.
 *
 * The check is the start of a SHA-256 digest, not a keyed MAC: it needs no secret kept across
 * restarts (so a cursor stays valid over a restart), and it catches mistakes, not someone who
 * reads this file and computes one. Draw history only grows, so a draws cursor is also checked
 * against the history by its router: past the last draw there is nothing a cursor could name.
 */
import { createHash } from 'node:crypto';
import { refusalError } from './errors.js';

/** The listings that page, each with its own cursors (lists of raffles use raffle id ''). */
export type Listing = 'participants' | 'draws' | 'raffles' | 'prize-raffles' | 'campaigns';

const cursorPattern = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{11})$/;

function checkOf(listing: Listing, raffleId: string, position: number): string {
  return createHash('sha256')
    .update(`${listing}\n${raffleId}\n${position}`)
    .digest('base64url')
    .slice(0, 11);
}

/** The refusal of a cursor this service did not issue for this listing. */
export function invalidCursor(cursor: string) {
  const shown = cursor.length > 64 ? `${cursor.slice(0, 64)}…` : cursor;
  return refusalError({
    ok: false,
    reason: 'invalid_cursor',
    message: `'${shown}' is not a cursor this listing issued; pass a page's nextCursor unchanged.`,
  });
}

/** The position a cursor names (0 without one); throws `invalid_cursor` for anything else. */
export function positionAfter(cursor: string | undefined, listing: Listing, raffleId: string) {
  if (cursor === undefined || cursor === '') return 0;
  const match = cursorPattern.exec(cursor);
  const position = match === null ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(position) || match?.[2] !== checkOf(listing, raffleId, position)) {
    throw invalidCursor(cursor);
  }
  return position;
}

/** The cursor naming `position` in a listing, or null when there is no next page. */
export function cursorAfter(
  position: number | undefined,
  listing: Listing,
  raffleId: string,
): string | null {
  if (position === undefined) return null;
  return `${position}.${checkOf(listing, raffleId, position)}`;
}
