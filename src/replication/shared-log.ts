/**
 * What the replica and the log-first writer need of a shared log, whatever keeps it.
 *
 * `EtcdLog` is the implementation the service runs; the tests also drive the protocol over an
 * in-memory one with injected failures. The contract that matters is `append`: it succeeds only
 * when `index` is free and the entry before it exists (the fence), and when it fails it returns
 * the entries from `index` on so the caller can catch up at once. A thrown error means the
 * outcome is unknown: the entry may be in the log.
 */
import type { RawEntry } from './log-entry.js';

/** The outcome of one append: the entry is in the log, or another writer owns the index. */
export type AppendResult = { committed: true } | { committed: false; found: RawEntry[] };

/** A complete snapshot kept beside the log: the state after entry `index`. */
export interface SnapshotMeta {
  index: number;
  /** Sequence number of the last command in that state. */
  seq: number;
  /** Latest stamped time in that state (stamps never go back, also after a restore). */
  atMs: number;
  chunks: number;
  bytes: number;
  /** SHA-256 (hex) of the whole snapshot. */
  sha256: string;
  writer: string;
}

export interface SharedLog {
  /** Whether the log answered lately; writes are refused at once while it does not. */
  readonly available: boolean;
  /** Puts `value` at `index` behind the fence; throws when the outcome is unknown. */
  append(index: number, value: Buffer, foundMax: number): Promise<AppendResult>;
  /** Up to `limit` entries from `fromIndex` on (later ones first when older ones were pruned). */
  read(fromIndex: number, limit: number): Promise<{ entries: RawEntry[]; revision: string }>;
  /** New entries after `fromRevision`, in order; `onBroken` when the watch ends by itself. */
  watch(
    fromRevision: string,
    onEntry: (entry: RawEntry) => void,
    onBroken: (error: Error) => void,
  ): { close(): Promise<void> };
  /** The complete snapshots kept, oldest first. */
  snapshotMetas(): Promise<SnapshotMeta[]>;
  putSnapshot(
    header: Omit<SnapshotMeta, 'chunks' | 'bytes' | 'sha256'>,
    data: Buffer,
  ): Promise<SnapshotMeta>;
  /** A snapshot's bytes, checked against its meta. */
  readSnapshot(meta: SnapshotMeta): Promise<Buffer>;
  /** Drops the snapshots in `older` and every entry up to `keep.index`. */
  prune(keep: SnapshotMeta, older: readonly SnapshotMeta[]): Promise<void>;
}
