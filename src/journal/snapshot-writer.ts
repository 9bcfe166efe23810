/**
 * Writing snapshots durably, and removing what they make unnecessary.
 *
 * A snapshot is written in two steps. `begin` runs between two batches, while the queue applies
 * nothing: it serialises the state record by record straight into `snapshot-<seq>.snap.tmp`
 * (writes only copy into the page cache), so the image is exactly the state after `seq` and only
 * one record is in memory at a time. `finish` runs in the background while commands go on: it
 * fsyncs the temporary file, renames it into place and fsyncs the directory, and only then
 * removes the snapshots and segments that the two newest snapshots no longer need (and fsyncs the
 * directory again). A failure at any step is logged, not fatal: the journal still holds every
 * command, and the next snapshot tries again.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { StateImage } from '../engine/state-machine.js';
import type { JournalFile, JournalFileSystem } from './file-system.js';
import { listSegments, listSnapshots, snapshotName, type NumberedFile } from './files.js';
import { encodeSnapshot } from './snapshot.js';

/** A snapshot written to its temporary file, not yet durable nor visible. */
export interface BegunSnapshot {
  seq: number;
  file: JournalFile;
  temporary: string;
  path: string;
  bytes: number;
  startedMs: number;
}

export interface SnapshotStats {
  snapshots: number;
  lastSnapshotSeq: number;
}

export class SnapshotWriter {
  constructor(
    private readonly fs: JournalFileSystem,
    private readonly dataDir: string,
    private readonly logger: Logger,
    private readonly stats: SnapshotStats,
    private readonly keepSegments = false,
  ) {}

  /** Serialises `image` into a temporary file; undefined (logged) when that failed. */
  begin(image: StateImage): BegunSnapshot | undefined {
    const startedMs = performance.now();
    const path = join(this.dataDir, snapshotName(image.seq));
    const temporary = `${path}.tmp`;
    let file: JournalFile | undefined;
    try {
      file = this.fs.create(temporary);
      let bytes = 0;
      for (const record of encodeSnapshot(image)) {
        file.append(record);
        bytes += record.length;
      }
      this.logger.debug(
        { seq: image.seq, bytes, ms: Math.round(performance.now() - startedMs) },
        'serialised a snapshot',
      );
      return { seq: image.seq, file, temporary, path, bytes, startedMs };
    } catch (error) {
      this.abandon(file, temporary, image.seq, error);
      return undefined;
    }
  }

  /** Makes a begun snapshot durable and visible, then prunes; true when it all succeeded. */
  async finish(begun: BegunSnapshot): Promise<boolean> {
    const { fs, dataDir, logger } = this;
    let file: JournalFile | undefined = begun.file;
    try {
      await file.sync();
      file.close();
      file = undefined;
      fs.rename(begun.temporary, begun.path);
      await fs.syncDirectory(dataDir);
    } catch (error) {
      this.abandon(file, begun.temporary, begun.seq, error);
      return false;
    }
    this.stats.snapshots += 1;
    this.stats.lastSnapshotSeq = begun.seq;
    try {
      await this.prune();
    } catch (error) {
      logger.error({ err: error }, 'removing old snapshots and segments failed; they stay');
    }
    logger.info(
      { seq: begun.seq, bytes: begun.bytes, ms: Math.round(performance.now() - begun.startedMs) },
      'snapshot written',
    );
    return true;
  }

  private abandon(
    file: JournalFile | undefined,
    temporary: string,
    seq: number,
    error: unknown,
  ): void {
    try {
      file?.close();
      this.fs.remove(temporary);
    } catch {
      // The temporary file is removed at the next start if it cannot be now.
    }
    this.logger.error(
      { err: error, seq },
      'snapshot failed; the journal still holds every command',
    );
  }

  /**
   * Keeps the two newest snapshots and every segment holding a command after the older one (or
   * every segment, when they are kept for the audit export).
   */
  private async prune(): Promise<void> {
    const { fs, dataDir } = this;
    const snapshots = listSnapshots(dataDir, fs);
    if (snapshots.length < 2) return;
    const kept = snapshots[snapshots.length - 2] as NumberedFile;
    const doomed: string[] = snapshots.slice(0, -2).map((snapshot) => snapshot.path);
    const segments = this.keepSegments ? [] : listSegments(dataDir, fs);
    segments.forEach((segment, i) => {
      const next = segments[i + 1];
      if (next !== undefined && next.seq - 1 <= kept.seq) doomed.push(segment.path);
    });
    if (doomed.length === 0) return;
    for (const path of doomed) fs.remove(path);
    await fs.syncDirectory(dataDir);
  }
}
