/**
 * A shared log in memory with etcd's contract (the fenced append, ranges, an ordered watch,
 * snapshots, pruning) and failures on demand: an append that fails before it lands, or one that
 * lands but whose answer is lost. The protocol tests drive several writers and replicas over it
 * without a cluster, fast enough for property tests.
 */
import { createHash } from 'node:crypto';
import type { RawEntry } from '../../src/replication/log-entry.js';
import type { AppendResult, SharedLog, SnapshotMeta } from '../../src/replication/shared-log.js';

export type AppendFault = 'fail' | 'lose-answer';

export class MemorySharedLog implements SharedLog {
  readonly entries = new Map<number, Buffer>();
  private readonly snapshots = new Map<number, { meta: SnapshotMeta; data: Buffer }>();
  private readonly watchers = new Set<(entry: RawEntry) => void>();
  private logStart: number | undefined;
  private revision = 0;
  /** Faults the next appends meet, in order. */
  readonly faults: AppendFault[] = [];
  available = true;
  appends = 0;
  /** When set, watches opened from now on lose every `n`-th entry (a replica must notice). */
  dropEvery: number | undefined;

  append(index: number, value: Buffer, foundMax: number): Promise<AppendResult> {
    this.appends += 1;
    const fault = this.faults.shift();
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        if (fault === 'fail') {
          reject(new Error('injected: the append did not reach the log'));
          return;
        }
        const free = !this.entries.has(index);
        const fenced = index === 1 ? this.logStart === undefined : this.entries.has(index - 1);
        if (free && fenced) {
          this.entries.set(index, value);
          this.revision += 1;
          for (const watcher of this.watchers) setImmediate(() => watcher({ index, value }));
          if (fault === 'lose-answer') reject(new Error('injected: the answer was lost'));
          else resolve({ committed: true });
          return;
        }
        if (fault === 'lose-answer') reject(new Error('injected: the answer was lost'));
        else resolve({ committed: false, found: this.range(index, foundMax) });
      });
    });
  }

  private range(fromIndex: number, limit: number): RawEntry[] {
    return [...this.entries.keys()]
      .filter((index) => index >= fromIndex)
      .sort((a, b) => a - b)
      .slice(0, limit)
      .map((index) => ({ index, value: this.entries.get(index) as Buffer }));
  }

  read(fromIndex: number, limit: number): Promise<{ entries: RawEntry[]; revision: string }> {
    return Promise.resolve({
      entries: this.range(fromIndex, limit),
      revision: String(this.revision),
    });
  }

  watch(_fromRevision: string, onEntry: (entry: RawEntry) => void): { close(): Promise<void> } {
    const dropEvery = this.dropEvery;
    let seen = 0;
    const deliver = (entry: RawEntry): void => {
      seen += 1;
      if (dropEvery === undefined || seen % dropEvery !== 0) onEntry(entry);
    };
    this.watchers.add(deliver);
    return {
      close: () => {
        this.watchers.delete(deliver);
        return Promise.resolve();
      },
    };
  }

  snapshotMetas(): Promise<SnapshotMeta[]> {
    return Promise.resolve(
      [...this.snapshots.values()].map((s) => s.meta).sort((a, b) => a.index - b.index),
    );
  }

  putSnapshot(
    header: Omit<SnapshotMeta, 'chunks' | 'bytes' | 'sha256'>,
    data: Buffer,
  ): Promise<SnapshotMeta> {
    const meta: SnapshotMeta = {
      ...header,
      chunks: 1,
      bytes: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    };
    this.snapshots.set(meta.index, { meta, data });
    return Promise.resolve(meta);
  }

  readSnapshot(meta: SnapshotMeta): Promise<Buffer> {
    const found = this.snapshots.get(meta.index);
    if (found === undefined) return Promise.reject(new Error('no such snapshot'));
    return Promise.resolve(found.data);
  }

  prune(keep: SnapshotMeta, older: readonly SnapshotMeta[]): Promise<void> {
    for (const meta of older) this.snapshots.delete(meta.index);
    this.logStart = keep.index + 1;
    for (const index of [...this.entries.keys()]) {
      if (index <= keep.index) this.entries.delete(index);
    }
    return Promise.resolve();
  }
}
