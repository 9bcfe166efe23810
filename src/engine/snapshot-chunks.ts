/**
 * Splitting a kind's collections into snapshot records of bounded size. Every kind writes its
 * big collections (participants, claims, phones, coupons) as a run of records of at most
 * `snapshotChunkEntries` entries, so no record grows with a raffle and the snapshot writer never
 * holds more than one record's text at a time. The trade-off is a record header per chunk, which
 * is small beside the entries it carries.
 */
import { snapshotChunkEntries } from '../config/limits.js';

/** Yields the items in arrays of `size` (the last one shorter); nothing for no items. */
export function* chunks<T>(items: Iterable<T>, size = snapshotChunkEntries): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
