/**
 * Cursors of the paginated listings. A cursor wraps the position (admission number or draw id) of
 * the last item a page returned; it is a decimal string today, and callers treat it as opaque.
 */
import { refusalError } from './errors.js';

const cursorPattern = /^[1-9][0-9]{0,15}$/;

/** The position a cursor wraps (0 without one); throws `invalid_cursor` for anything else. */
export function positionAfter(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const value = cursorPattern.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw refusalError({
      ok: false,
      reason: 'invalid_cursor',
      message: `'${cursor}' is not a cursor this service issued.`,
    });
  }
  return value;
}

export function cursorAfter(position: number | undefined): string | null {
  return position === undefined ? null : String(position);
}
