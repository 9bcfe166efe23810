/**
 * Idempotency records: the first outcome of each keyed mutation, kept so a retry gets it again.
 *
 * Records live in a Map in the order they were made, so the oldest is always first and every
 * bound — age, count and bytes — is enforced by dropping from the front. Every decision is made on
 * stamped command times and on the answers' JSON, so a replay of the log forgets exactly what the
 * original run forgot. The store knows no kind: a record holds the kind, a fingerprint of the
 * request's content, and the first answer as JSON text. Text rather than the answer's objects
 * keeps a large answer (a bulk request's thousand results) several times smaller in memory, gives
 * its size in bytes for the bounds, and hands every retry a fresh copy. An answer larger than
 * `idempotencyAnswerBytesMax` is not kept at all: the key still stops a second application, and a
 * retry learns that the answer is gone (`idempotency_answer_too_large`).
 */
import { createHash } from 'node:crypto';
import { idempotencyRecordOverheadBytes } from '../config/limits.js';
import type { Outcome, StateLimits } from './commands.js';

/**
 * What commands carry instead of a caller's idempotency key: `k1:` and the base64url SHA-256 of
 * the key. The log never holds a caller's key (so a secret sealed under it stays sealed), and
 * every record's key has the same small size whatever the caller sent.
 */
export function idempotencyKeyDigest(callerKey: string): string {
  return `k1:${createHash('sha256').update(callerKey).digest('base64url')}`;
}

/**
 * Answers given again from a record rather than applied: the HTTP layer tells the caller so
 * (`Idempotent-Replayed`). A WeakSet, so an outcome's shape is the same either way.
 */
const replayedOutcomes = new WeakSet<object>();

/** Marks an outcome as a replay of a record's first answer, and returns it. */
export function markReplayed<T extends object>(outcome: T): T {
  replayedOutcomes.add(outcome);
  return outcome;
}

/** Whether an outcome was answered from an idempotency record. */
export function isReplayed(outcome: object): boolean {
  return replayedOutcomes.has(outcome);
}

/** The first outcome of a keyed mutation. */
export interface IdempotencyRecord {
  /** Kind of the first mutation: the same content under another kind is another request. */
  kind: string;
  /** SHA-256 (hex) of the mutation's type and content, without its key. */
  fingerprint: string;
  /** The first outcome as JSON text; undefined when it was too large to keep. */
  answer: string | undefined;
  /** UTF-8 bytes of the first outcome's JSON, kept or not. */
  answerBytes: number;
  /** Stamped time of the first mutation; the record expires `idempotencyTtlMs` later. */
  atMs: number;
  /** Sequence number of the first mutation. */
  seq: number;
}

export type IdempotencyLookup =
  { found: false } | { found: true; record: IdempotencyRecord; sameRequest: boolean };

/** The largest answer kept under `limits`: a kept record must fit the byte bound on its own. */
export function answerBytesLimit(limits: StateLimits): number {
  return Math.min(
    limits.idempotencyAnswerBytesMax,
    limits.idempotencyBytesMax - idempotencyRecordOverheadBytes,
  );
}

/** What a record counts against `idempotencyBytesMax`. */
export function recordBytes(record: IdempotencyRecord): number {
  return idempotencyRecordOverheadBytes + (record.answer === undefined ? 0 : record.answerBytes);
}

/** A record for a first outcome, its answer kept when it fits the limits. */
export function recordOf(
  first: {
    kind: string;
    fingerprint: string;
    outcome: Outcome<unknown>;
    atMs: number;
    seq: number;
  },
  limits: StateLimits,
): IdempotencyRecord {
  const text = JSON.stringify(first.outcome);
  const answerBytes = Buffer.byteLength(text, 'utf8');
  return {
    kind: first.kind,
    fingerprint: first.fingerprint,
    answer: answerBytes <= answerBytesLimit(limits) ? text : undefined,
    answerBytes,
    atMs: first.atMs,
    seq: first.seq,
  };
}

export class IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();
  private bytesHeld = 0;

  get size(): number {
    return this.records.size;
  }

  /** Bytes counted against `idempotencyBytesMax` now. */
  get bytes(): number {
    return this.bytesHeld;
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
      this.forget(oldest, record);
    }
    const record = this.records.get(key);
    if (record === undefined) return { found: false };
    if (record.atMs <= horizon) {
      this.forget(key, record);
      return { found: false };
    }
    return {
      found: true,
      record,
      sameRequest: record.kind === kind && record.fingerprint === fingerprint,
    };
  }

  remember(key: string, record: IdempotencyRecord, limits: StateLimits): void {
    this.restore(key, record);
    this.trim(limits);
  }

  /** Drops the oldest records past the count bound and the byte bound. */
  trim(limits: StateLimits): void {
    for (const [key, record] of this.records) {
      if (
        this.records.size <= limits.idempotencyKeysMax &&
        this.bytesHeld <= limits.idempotencyBytesMax
      )
        return;
      this.forget(key, record);
    }
  }

  entries(): IterableIterator<[string, IdempotencyRecord]> {
    return this.records.entries();
  }

  /** Adds a record read back from a snapshot, in the snapshot's order (oldest first). */
  restore(key: string, record: IdempotencyRecord): void {
    const previous = this.records.get(key);
    if (previous !== undefined) this.forget(key, previous);
    this.records.set(key, record);
    this.bytesHeld += recordBytes(record);
  }

  private forget(key: string, record: IdempotencyRecord): void {
    this.records.delete(key);
    this.bytesHeld -= recordBytes(record);
  }
}
