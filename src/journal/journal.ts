/**
 * The journal: the durable command log behind the command queue.
 *
 * Group commit: the queue hands over each batch of applied mutations; the journal frames them
 * as records, writes them with one write and makes them durable with one fdatasync, and only
 * then does the queue answer the batch's callers. Commands arriving meanwhile gather into the next
 * batch, so under load one fsync serves many operations.
 *
 * Snapshots: once the journal has grown by `snapshotEveryCommands` commands or
 * `snapshotEveryBytes` bytes since the last snapshot (and at graceful shutdown), the state is
 * serialised between two batches, the journal moves on to a new segment, and the snapshot is
 * written to a temporary file, fsynced, renamed and the directory fsynced. The two newest
 * snapshots are kept, with every segment the older of them still needs, so a damaged newest
 * snapshot can be passed over without losing anything.
 *
 * Recovery (`Journal.open`): the newest valid snapshot, then every journaled command after it,
 * replayed through the same deterministic `apply`. A torn record at the tail of the last segment
 * (a crash in the middle of a write: that batch was never acknowledged) is cut, with a warning
 * giving the bytes cut. A bad record anywhere else is corruption: the service refuses to start and
 * names the file and offset, rather than drop acknowledged commands.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CommandLog } from '../engine/command-log.js';
import type { StampedCommand } from '../engine/commands.js';
import type { KindRegistry } from '../engine/kind.js';
import { StateMachine, type StateMachineLimits } from '../engine/state-machine.js';
import { decodeBatch, encodeBatch, JournalFormatError } from './codec.js';
import {
  fsyncDirectory,
  listSegments,
  listSnapshots,
  listTemporaryFiles,
  lockFileName,
  segmentName,
  snapshotName,
  type NumberedFile,
} from './files.js';
import { encodeRecord, scanRecords } from './framing.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';

export interface JournalOptions {
  dataDir: string;
  /** Commands journaled between two snapshots. */
  snapshotEveryCommands: number;
  /** Journal bytes between two snapshots. */
  snapshotEveryBytes: number;
  logger: Logger;
  /** Limits of a state machine that starts empty (the journal's first command sets its own). */
  initialLimits: StateMachineLimits;
  /** The raffle kinds whose commands and snapshot sections the journal holds. */
  registry: KindRegistry;
  /** How often a long replay logs its progress. @default 1000 */
  progressEveryMs?: number;
}

export interface RecoveryReport {
  /** Sequence number of the snapshot recovery started from, 0 when none. */
  snapshotSeq: number;
  /** Journaled commands replayed after the snapshot. */
  replayed: number;
  /** Bytes of a torn tail cut from the last segment. */
  tornBytesCut: number;
  /** Snapshots passed over because they failed their checks. */
  snapshotsSkipped: string[];
  appliedSeq: number;
  durationMs: number;
}

/** The data directory holds a bad record before the tail: refuse to start. */
export class JournalCorruptionError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(
      `journal corrupt: ${file} at byte offset ${offset}: ${detail}. ` +
        'Refusing to start rather than drop acknowledged commands; restore the data directory ' +
        'from a backup, or move the damaged file aside knowingly.',
    );
    this.name = 'JournalCorruptionError';
  }
}

/** How often a long replay logs its progress, by default. */
const progressEveryMsDefault = 1_000;

function acquireLock(dataDir: string): string {
  const path = join(dataDir, lockFileName);
  if (existsSync(path)) {
    const holder = Number(readFileSync(path, 'utf8').trim());
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new Error(`data directory ${dataDir} is in use by process ${holder} (${path})`);
    }
  }
  writeFileSync(path, `${process.pid}\n`);
  return path;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Loads the newest snapshot that passes its checks; older ones stand in for a damaged one. */
function loadSnapshot(
  snapshots: NumberedFile[],
  options: JournalOptions,
  skipped: string[],
): StateMachine | undefined {
  for (let i = snapshots.length - 1; i >= 0; i -= 1) {
    const snapshot = snapshots[i] as NumberedFile;
    try {
      const image = decodeSnapshot(readFileSync(snapshot.path));
      if (image.seq !== snapshot.seq) throw new Error(`it holds seq ${image.seq}`);
      const machine = StateMachine.restore(options.registry, image);
      // Checksums prove the bytes are the ones written; the invariants prove they make a state.
      machine.checkInvariants();
      return machine;
    } catch (error) {
      skipped.push(snapshot.name);
      options.logger.error(
        { file: snapshot.path, err: error },
        'snapshot failed its checks; trying an older one',
      );
    }
  }
  return undefined;
}

function recover(options: JournalOptions): { machine: StateMachine; report: RecoveryReport } {
  const started = performance.now();
  const { dataDir, logger } = options;
  const skipped: string[] = [];
  const snapshots = listSnapshots(dataDir);
  const machine =
    loadSnapshot(snapshots, options, skipped) ??
    new StateMachine(options.registry, options.initialLimits);
  const snapshotSeq = machine.appliedSeq;
  if (snapshots.length > 0 && skipped.length === snapshots.length) {
    logger.error('no snapshot passed its checks; replaying the journal from the start');
  }

  const segments = listSegments(dataDir);
  const needed = segments.filter((segment, i) => {
    const next = segments[i + 1];
    return next === undefined || next.seq - 1 > snapshotSeq;
  });
  const first = needed[0];
  if (first !== undefined && first.seq > snapshotSeq + 1) {
    throw new JournalCorruptionError(
      first.path,
      0,
      `the journal starts at command ${first.seq} but the state ends at ${snapshotSeq}`,
    );
  }
  const totalBytes = needed.reduce((sum, segment) => sum + statSync(segment.path).size, 0);
  let bytesDone = 0;
  let replayed = 0;
  let tornBytesCut = 0;
  let lastProgress = performance.now();
  const progressEveryMs = options.progressEveryMs ?? progressEveryMsDefault;
  needed.forEach((segment, index) => {
    const isLast = index === needed.length - 1;
    const buffer = readFileSync(segment.path);
    const scan = scanRecords(buffer);
    scan.payloads.forEach((payload, recordIndex) => {
      const offset = scan.offsets[recordIndex] as number;
      let batch: StampedCommand[];
      try {
        batch = decodeBatch(payload);
      } catch (error) {
        if (error instanceof JournalFormatError) {
          throw new Error(
            `journal ${segment.path} at byte offset ${offset}: ${error.message}; ` +
              'start the version of the service that wrote it',
            { cause: error },
          );
        }
        throw new JournalCorruptionError(segment.path, offset, (error as Error).message);
      }
      for (const stamped of batch) {
        if (stamped.seq <= machine.appliedSeq) continue;
        if (stamped.seq !== machine.appliedSeq + 1) {
          throw new JournalCorruptionError(
            segment.path,
            offset,
            `command ${stamped.seq} follows command ${machine.appliedSeq}`,
          );
        }
        const problem = machine.problemWith(stamped.command);
        if (problem !== undefined) throw new JournalCorruptionError(segment.path, offset, problem);
        machine.apply(stamped);
        replayed += 1;
      }
      if (performance.now() - lastProgress >= progressEveryMs) {
        lastProgress = performance.now();
        const done = bytesDone + offset;
        logger.info(
          { replayed, percent: Math.round((100 * done) / Math.max(1, totalBytes)) },
          'replaying the journal',
        );
      }
    });
    bytesDone += buffer.length;
    const problem = scan.problem;
    if (problem === undefined) return;
    if (!problem.torn || !isLast) {
      throw new JournalCorruptionError(segment.path, problem.offset, problem.detail);
    }
    tornBytesCut = buffer.length - scan.validEnd;
    const fd = openSync(segment.path, 'r+');
    try {
      ftruncateSync(fd, scan.validEnd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    logger.warn(
      { file: segment.path, offset: scan.validEnd, bytesCut: tornBytesCut, detail: problem.detail },
      `cut a torn tail of ${tornBytesCut} bytes (a write interrupted by a crash, never acknowledged)`,
    );
  });
  const report: RecoveryReport = {
    snapshotSeq,
    replayed,
    tornBytesCut,
    snapshotsSkipped: skipped,
    appliedSeq: machine.appliedSeq,
    durationMs: Math.round(performance.now() - started),
  };
  return { machine, report };
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
  private segment: FileHandle;
  private commandsSinceSnapshot: number;
  private bytesSinceSnapshot: number;
  private snapshotWriting: Promise<void> | undefined;
  private closed = false;
  readonly stats: JournalStats;

  private constructor(
    private readonly options: JournalOptions,
    readonly stateMachine: StateMachine,
    readonly recovery: RecoveryReport,
    segment: FileHandle,
    private readonly lockPath: string,
  ) {
    this.segment = segment;
    this.commandsSinceSnapshot = recovery.replayed;
    this.bytesSinceSnapshot = 0;
    this.stats = {
      batches: 0,
      commands: 0,
      fsyncs: 0,
      bytes: 0,
      snapshots: 0,
      lastSnapshotSeq: recovery.snapshotSeq,
    };
  }

  /**
   * Takes the data directory (creating it if missing), recovers the state from it and opens a
   * fresh journal segment for the commands to come. Throws `JournalCorruptionError` when the
   * directory holds a bad record before the tail.
   */
  static async open(options: JournalOptions): Promise<Journal> {
    const { dataDir, logger } = options;
    mkdirSync(dataDir, { recursive: true });
    const lockPath = acquireLock(dataDir);
    try {
      for (const path of listTemporaryFiles(dataDir)) {
        rmSync(path, { force: true });
        logger.warn({ file: path }, 'removed an unfinished snapshot left by a crash');
      }
      const { machine, report } = recover(options);
      logger.info(
        report,
        `recovered state from ${dataDir}: snapshot at command ${report.snapshotSeq}, ` +
          `${report.replayed} journaled commands replayed in ${report.durationMs} ms`,
      );
      const path = join(dataDir, segmentName(machine.appliedSeq + 1));
      const segment = await open(path, 'a');
      fsyncDirectory(dataDir);
      return new Journal(options, machine, report, segment, lockPath);
    } catch (error) {
      rmSync(lockPath, { force: true });
      throw error;
    }
  }

  async append(batch: readonly StampedCommand[]): Promise<void> {
    if (this.closed) throw new Error('journal: append after close');
    const records = encodeBatch(batch).map(encodeRecord);
    const data = records.length === 1 ? (records[0] as Buffer) : Buffer.concat(records);
    const lastSeq = (batch[batch.length - 1] as StampedCommand).seq;
    this.commandsSinceSnapshot += batch.length;
    this.bytesSinceSnapshot += data.length;
    // The queue applies nothing while an append is in flight, so the state is exactly the state
    // after this batch: the moment to take a consistent image of it.
    const snapshot = this.snapshotDue() ? this.encodeSnapshotAt(lastSeq) : undefined;

    // The write only copies into the page cache, so it is done synchronously (microseconds, no
    // thread-pool round trip); the fdatasync, which waits for the disk, runs off the event loop.
    let written = 0;
    while (written < data.length) {
      written += writeSync(this.segment.fd, data, written, data.length - written);
    }
    await this.segment.datasync();
    this.stats.fsyncs += 1;
    this.stats.batches += 1;
    this.stats.commands += batch.length;
    this.stats.bytes += data.length;

    if (snapshot !== undefined) {
      await this.rotate(lastSeq + 1);
      this.snapshotWriting = this.writeSnapshot(lastSeq, snapshot).finally(() => {
        this.snapshotWriting = undefined;
      });
    }
  }

  /** Waits for a snapshot being written, writes a last one if anything is new, and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.snapshotWriting;
    if (this.commandsSinceSnapshot > 0) {
      const seq = this.stateMachine.appliedSeq;
      await this.writeSnapshot(seq, this.encodeSnapshotAt(seq));
    }
    await this.segment.close();
    rmSync(this.lockPath, { force: true });
  }

  /**
   * Releases the files without a final snapshot and without waiting for one, leaving the
   * directory as a crash would: for tests and benchmarks of recovery.
   */
  async abandon(): Promise<void> {
    this.closed = true;
    await this.segment.close();
    rmSync(this.lockPath, { force: true });
  }

  private snapshotDue(): boolean {
    return (
      this.snapshotWriting === undefined &&
      (this.commandsSinceSnapshot >= this.options.snapshotEveryCommands ||
        this.bytesSinceSnapshot >= this.options.snapshotEveryBytes)
    );
  }

  private encodeSnapshotAt(seq: number): Buffer[] {
    const started = performance.now();
    const image = this.stateMachine.image();
    if (image.seq !== seq)
      throw new Error(`journal: snapshot of seq ${image.seq}, expected ${seq}`);
    const records = encodeSnapshot(image);
    this.commandsSinceSnapshot = 0;
    this.bytesSinceSnapshot = 0;
    this.options.logger.debug(
      { seq, ms: Math.round(performance.now() - started) },
      'serialised a snapshot',
    );
    return records;
  }

  /** Moves appends to a new segment starting at `firstSeq`. */
  private async rotate(firstSeq: number): Promise<void> {
    const previous = this.segment;
    this.segment = await open(join(this.options.dataDir, segmentName(firstSeq)), 'a');
    fsyncDirectory(this.options.dataDir);
    await previous.close();
  }

  /**
   * Writes a snapshot durably (temporary file, fsync, rename, directory fsync), then removes what
   * the two newest snapshots no longer need. A failure is logged, not fatal: the journal still
   * holds every command, and the next snapshot tries again.
   */
  private async writeSnapshot(seq: number, records: Buffer[]): Promise<void> {
    const { dataDir, logger } = this.options;
    const started = performance.now();
    const path = join(dataDir, snapshotName(seq));
    const temporary = `${path}.tmp`;
    let bytes = 0;
    try {
      const file = await open(temporary, 'w');
      try {
        for (const record of records) {
          let written = 0;
          while (written < record.length) {
            const result = await file.write(record, written, record.length - written);
            written += result.bytesWritten;
          }
          bytes += record.length;
        }
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
      fsyncDirectory(dataDir);
      this.stats.snapshots += 1;
      this.stats.lastSnapshotSeq = seq;
      await this.prune();
      logger.info({ seq, bytes, ms: Math.round(performance.now() - started) }, 'snapshot written');
    } catch (error) {
      await rm(temporary, { force: true });
      logger.error({ err: error, seq }, 'snapshot failed; the journal still holds every command');
      this.commandsSinceSnapshot = Math.max(this.commandsSinceSnapshot, 1);
    }
  }

  /** Keeps the two newest snapshots and every segment holding a command after the older one. */
  private async prune(): Promise<void> {
    const { dataDir } = this.options;
    const snapshots = listSnapshots(dataDir);
    if (snapshots.length < 2) return;
    const kept = snapshots[snapshots.length - 2] as NumberedFile;
    const doomed: string[] = snapshots.slice(0, -2).map((snapshot) => snapshot.path);
    const segments = listSegments(dataDir);
    segments.forEach((segment, i) => {
      const next = segments[i + 1];
      if (next !== undefined && next.seq - 1 <= kept.seq) doomed.push(segment.path);
    });
    if (doomed.length === 0) return;
    for (const path of doomed) await rm(path, { force: true });
    fsyncDirectory(dataDir);
  }
}
