/**
 * The journal: the durable command log behind the command queue.
 *
 * Group commit: the queue hands over each batch of applied mutations; the journal encodes them
 * record by record into the current segment, closes the batch with an end record, and makes them
 * durable with one fdatasync; only then does the queue answer the batch's callers. Commands
 * arriving meanwhile gather into the next batch, so under load one fsync serves many operations.
 *
 * Snapshots: once the journal has grown by `snapshotEveryCommands` commands or
 * `snapshotEveryBytes` bytes since the last snapshot (and at graceful shutdown), the state is
 * serialised between two batches, the journal moves on to a new segment, and the snapshot is made
 * durable in the background (see `snapshot-writer.ts`). Recovery is in `recovery.ts`, the names
 * of the files in `files.ts`, and every call to the disk goes through `file-system.ts`.
 *
 * A failed write or fdatasync is final: the batch is not acknowledged, the journal refuses every
 * later append, logs why at level fatal, and writes no snapshot, since the state in memory is
 * ahead of what is durable. An fdatasync is never retried — after a failure the kernel may have
 * dropped the dirty pages and a second call can succeed without the data on disk. Restarting
 * recovers exactly what is durable.
 */
import { join } from 'node:path';
import type { CommandLog } from '../engine/command-log.js';
import type { StampedCommand } from '../engine/commands.js';
import type { StateMachine } from '../engine/state-machine.js';
import { encodeBatch } from './codec.js';
import type { DirectoryLock } from './directory-lock.js';
import { nodeFileSystem, type JournalFile, type JournalFileSystem } from './file-system.js';
import { ensureDataDirectory, listTemporaryFiles, lockFileName, segmentName } from './files.js';
import { encodeRecord } from './framing.js';
import { recover, type RecoveryOptions, type RecoveryReport } from './recovery.js';
import { SnapshotWriter, type BegunSnapshot } from './snapshot-writer.js';

export { DataDirectoryLockedError } from './directory-lock.js';
export { JournalCorruptionError, type RecoveryReport } from './recovery.js';

export interface JournalOptions extends RecoveryOptions {
  /** Commands journaled between two snapshots. */
  snapshotEveryCommands: number;
  /** Journal bytes between two snapshots. */
  snapshotEveryBytes: number;
  /** Where the files live: the disk, or a simulated one in tests. @default nodeFileSystem */
  fileSystem?: JournalFileSystem | undefined;
  /**
   * Keep every segment after a snapshot (only older snapshots are removed), so the audit export
   * can replay the log from its first command. @default false
   */
  keepSegments?: boolean | undefined;
  /**
   * Bytes of commands packed into one record; a batch past it takes several records. Small values
   * are for tests and the simulation, which need batches of several records.
   * @default journalRecordFillBytes
   */
  recordFillBytes?: number | undefined;
}

export interface JournalStats {
  batches: number;
  commands: number;
  fsyncs: number;
  bytes: number;
  snapshots: number;
  lastSnapshotSeq: number;
}

export class Journal implements CommandLog {
  private commandsSinceSnapshot: number;
  private bytesSinceSnapshot = 0;
  private snapshotWriting: Promise<void> | undefined;
  private closed = false;
  private failureError: Error | undefined;
  private readonly snapshots: SnapshotWriter;
  readonly stats: JournalStats;
  /**
   * Told, in seconds, how long each batch waited for its fdatasync: from the call until the
   * event loop learnt of its end, which is what the batch's callers wait (`/metrics`).
   */
  onDatasync: ((seconds: number) => void) | undefined;

  private constructor(
    private readonly options: JournalOptions,
    private readonly fs: JournalFileSystem,
    readonly stateMachine: StateMachine,
    readonly recovery: RecoveryReport,
    private segment: JournalFile,
    private readonly lock: DirectoryLock,
  ) {
    this.commandsSinceSnapshot = recovery.replayed;
    this.stats = {
      batches: 0,
      commands: 0,
      fsyncs: 0,
      bytes: 0,
      snapshots: 0,
      lastSnapshotSeq: recovery.snapshotSeq,
    };
    this.snapshots = new SnapshotWriter(
      fs,
      options.dataDir,
      options.logger,
      this.stats,
      options.keepSegments ?? false,
    );
  }

  /**
   * Takes the data directory (creating it if missing) with its lock, recovers the state from it
   * and opens a fresh journal segment for the commands to come. Throws `DataDirectoryLockedError`
   * when another process holds the directory, and `JournalCorruptionError` when it holds a bad
   * record before the tail.
   */
  static async open(options: JournalOptions): Promise<Journal> {
    const { dataDir, logger } = options;
    const fs = options.fileSystem ?? nodeFileSystem;
    await ensureDataDirectory(dataDir, fs);
    const lock = fs.lock(join(dataDir, lockFileName));
    try {
      const temporaries = listTemporaryFiles(dataDir, fs);
      for (const path of temporaries) {
        fs.remove(path);
        logger.warn({ file: path }, 'removed an unfinished snapshot left by a crash');
      }
      if (temporaries.length > 0) await fs.syncDirectory(dataDir);
      const { machine, report } = await recover(fs, options);
      logger.info(
        report,
        `recovered state from ${dataDir}: snapshot at command ${report.snapshotSeq}, ` +
          `${report.replayed} journaled commands replayed in ${report.durationMs} ms`,
      );
      const segment = fs.openAppend(join(dataDir, segmentName(machine.appliedSeq + 1)));
      try {
        await fs.syncDirectory(dataDir);
      } catch (error) {
        segment.close();
        throw error;
      }
      return new Journal(options, fs, machine, report, segment, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Tells `onDatasync`; an observer that fails is logged and never fails a durable batch. */
  private observeDatasync(seconds: number): void {
    try {
      this.onDatasync?.(seconds);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'the fdatasync observer failed');
    }
  }

  /** Why the journal stopped taking writes, once it has. */
  get failure(): Error | undefined {
    return this.failureError;
  }

  async append(batch: readonly StampedCommand[]): Promise<void> {
    if (this.failureError !== undefined) throw this.failureError;
    if (this.closed) throw new Error('journal: append after close');
    const lastSeq = (batch[batch.length - 1] as StampedCommand).seq;
    let bytes = 0;
    let syncStartedMs = 0;
    try {
      // Writes only copy into the page cache, so they are synchronous (no thread-pool round
      // trip); the fdatasync, which waits for the disk, runs off the event loop.
      // The last record of commands and the batch's end record go in one write, so a batch of
      // one record costs one write, as before the end record existed.
      const held: Buffer[] = [];
      for (const payload of encodeBatch(batch, this.options.recordFillBytes)) {
        const record = encodeRecord(payload);
        held.push(record);
        bytes += record.length;
        if (held.length > 2) this.segment.append(held.shift() as Buffer);
      }
      this.segment.append(Buffer.concat(held));
      syncStartedMs = performance.now();
      await this.segment.datasync();
    } catch (error) {
      throw this.fail(error, `commands ${(batch[0] as StampedCommand).seq} to ${lastSeq}`);
    }
    this.observeDatasync((performance.now() - syncStartedMs) / 1000);
    this.stats.fsyncs += 1;
    this.stats.batches += 1;
    this.stats.commands += batch.length;
    this.stats.bytes += bytes;
    this.commandsSinceSnapshot += batch.length;
    this.bytesSinceSnapshot += bytes;
    if (!this.snapshotDue()) return;
    // The queue applies nothing while an append is in flight, so the state is exactly the state
    // after this batch: the moment to take a consistent image of it.
    const begun = this.beginSnapshot(lastSeq);
    try {
      await this.rotate(lastSeq + 1);
    } catch (error) {
      if (begun !== undefined) begun.file.close();
      throw this.fail(error, `a new segment from command ${lastSeq + 1}`);
    }
    if (begun !== undefined) this.snapshotWriting = this.finishSnapshot(begun);
  }

  private released = false;

  /** Waits for a snapshot being written, writes a last one if anything is new, and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.snapshotWriting;
    if (this.failureError === undefined && this.commandsSinceSnapshot > 0) {
      const begun = this.beginSnapshot(this.stateMachine.appliedSeq);
      if (begun !== undefined) await this.finishSnapshot(begun);
    }
    this.release();
  }

  /**
   * Releases the files without a final snapshot and without waiting for one, leaving the
   * directory as a crash would: for tests and benchmarks of recovery.
   */
  abandon(): Promise<void> {
    this.closed = true;
    this.release();
    return Promise.resolve();
  }

  private release(): void {
    // Closing, then abandoning (as a test's clean-up may) releases the files once.
    if (this.released) return;
    this.released = true;
    try {
      this.segment.close();
    } finally {
      this.lock.release();
    }
  }

  /** Marks the journal failed for good, says so loudly, and gives the error to throw. */
  private fail(cause: unknown, what: string): Error {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    this.failureError ??= error;
    this.options.logger.fatal(
      { err: error, file: this.segment.path },
      `the journal could not make ${what} durable: they are not acknowledged, and every command ` +
        'is refused from now on (storage_failed); restart the service to recover what is on disk',
    );
    return error;
  }

  private snapshotDue(): boolean {
    return (
      this.snapshotWriting === undefined &&
      (this.commandsSinceSnapshot >= this.options.snapshotEveryCommands ||
        this.bytesSinceSnapshot >= this.options.snapshotEveryBytes)
    );
  }

  private beginSnapshot(seq: number): BegunSnapshot | undefined {
    const image = this.stateMachine.image();
    if (image.seq !== seq)
      throw new Error(`journal: snapshot of seq ${image.seq}, expected ${seq}`);
    this.commandsSinceSnapshot = 0;
    this.bytesSinceSnapshot = 0;
    const begun = this.snapshots.begin(image);
    if (begun === undefined) this.snapshotFailed();
    return begun;
  }

  private finishSnapshot(begun: BegunSnapshot): Promise<void> {
    return this.snapshots.finish(begun).then((done) => {
      if (!done) this.snapshotFailed();
      this.snapshotWriting = undefined;
    });
  }

  /** A failed snapshot is tried again after the next interval, or at close. */
  private snapshotFailed(): void {
    this.commandsSinceSnapshot = Math.max(this.commandsSinceSnapshot, 1);
  }

  /** Moves appends to a new segment starting at `firstSeq`, durable in the directory first. */
  private async rotate(firstSeq: number): Promise<void> {
    const next = this.fs.openAppend(join(this.options.dataDir, segmentName(firstSeq)));
    try {
      await this.fs.syncDirectory(this.options.dataDir);
    } catch (error) {
      next.close();
      throw error;
    }
    const previous = this.segment;
    this.segment = next;
    previous.close();
  }
}
