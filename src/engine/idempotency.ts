/**
 * Idempotency records: the first outcome of each keyed mutation, kept so a retry gets it again.
 *
 * Records live in a Map in the order they were made, so the oldest is always first and both
 * bounds — age and count — are enforced by dropping from the front. Every decision is made on
 * stamped command times only, so a replay of the log forgets exactly what the original run forgot.
 * The store knows no kind: a record holds the kind and a fingerprint of the request's content,
 * and the outcome as the kind answered it.
 */
import { createHash } from 'node:crypto';
import type { Outcome, StateLimits } from './commands.js';

/**
 * What commands carry instead of a caller's idempotency key: `k1:` and the base64url SHA-256 of
 * the key. The log never holds a caller's key (so a secret sealed under it stays sealed), and
 * every record's key has the same small size whatever the caller sent.
 */
export function idempotencyKeyDigest(callerKey: string): string {
  return `k1:${createHash('sha256').update(callerKey).digest('base64url')}`;
}

/** The first outcome of a keyed mutation. */
export interface IdempotencyRecord {
  /** Kind of the first mutation: the same content under another kind is another request. */
  kind: string;
  /** SHA-256 (hex) of the mutation's type and content, without its key. */
  fingerprint: string;
  outcome: Outcome<unknown>;
  /** Stamped time of the first mutation; the record expires `idempotencyTtlMs` later. */
  atMs: number;
  /** Sequence number of the first mutation. */
  seq: number;
}

export type IdempotencyLookup =
  { found: false } | { found: true; record: IdempotencyRecord; sameRequest: boolean };

export class IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  get size(): number {
    return this.records.size;
  }

  /**
   * Forgets what is older than the limits allow at `atMs`, then looks `key` up. A record kept
   * behind a younger one though expired (the clock went back) counts as absent and is dropped.
   */
  lookup(
    key: string,
    kind: string,
    fingerprint: string,
    atMs: number,
    limits: StateLimits,
  ): IdempotencyLookup {
    const horizon = atMs - limits.idempotencyTtlMs;
    for (const [oldest, record] of this.records) {
      if (record.atMs > horizon) break;
      this.records.delete(oldest);
    }
    const record = this.records.get(key);
    if (record === undefined) return { found: false };
    if (record.atMs <= horizon) {
      this.records.delete(key);
      return { found: false };
    }
    return {
      found: true,
      record,
      sameRequest: record.kind === kind && record.fingerprint === fingerprint,
    };
  }

  remember(key: string, record: IdempotencyRecord, limits: StateLimits): void {
    this.records.set(key, record);
    this.trim(limits);
  }

  /** Drops the oldest records past the count bound. */
  trim(limits: StateLimits): void {
    let excess = this.records.size - limits.idempotencyKeysMax;
    if (excess <= 0) return;
    for (const key of this.records.keys()) {
      this.records.delete(key);
      if (--excess === 0) break;
    }
  }

  entries(): IterableIterator<[string, IdempotencyRecord]> {
    return this.records.entries();
  }

  /** Adds a record read back from a snapshot, in the snapshot's order (oldest first). */
  restore(key: string, record: IdempotencyRecord): void {
    this.records.set(key, record);
  }
}
