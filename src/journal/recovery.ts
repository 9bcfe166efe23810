/**
 * Recovery at start: the newest valid snapshot, then every journaled command after it, replayed
 * through the same deterministic `apply`.
 *
 * Files are read through the file-system seam one batch at a time (`batches.ts`), so recovery
 * holds one batch in memory besides the state, whatever the size of a segment or a snapshot. A
 * torn last batch in the last segment (a crash in the middle of its writes: it was never
 * acknowledged) is cut at its first record and the cut made durable, with a warning giving the
 * bytes cut. Damage is read as a torn last batch when no valid record of a later batch follows
 * it; so, as with a bad last record before journal format 3, damage confined to the last batch is
 * taken for a torn write even if that batch had been made durable. A bad record anywhere else is
 * corruption: the service refuses to start and names the file and offset, rather than drop
 * acknowledged commands.
 */
import type { Logger } from 'pino';
import type { KindRegistry } from '../engine/kind.js';
import { StateMachine, type StateMachineLimits } from '../engine/state-machine.js';
import { readBatches, type BatchesEnd, type JournalBatch } from './batches.js';
import { JournalFormatError } from './codec.js';
import type { JournalFile, JournalFileSystem } from './file-system.js';
import { listSegments, listSnapshots, type NumberedFile } from './files.js';
import type { ByteSource } from './framing.js';
import { decodeSnapshot } from './snapshot.js';

export interface RecoveryOptions {
  dataDir: string;
  logger: Logger;
  /** Limits of a state machine that starts empty (the journal's first command sets its own). */
  initialLimits: StateMachineLimits;
  registry: KindRegistry;
  /** How often a long replay logs its progress. @default 1000 */
  progressEveryMs?: number | undefined;
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

export function sourceOf(file: JournalFile): ByteSource {
  return { size: file.size(), read: (position, length) => file.read(position, length) };
}

/** Loads the newest snapshot that passes its checks; older ones stand in for a damaged one. */
function loadSnapshot(
  fs: JournalFileSystem,
  snapshots: NumberedFile[],
  options: RecoveryOptions,
  skipped: string[],
): StateMachine | undefined {
  for (let i = snapshots.length - 1; i >= 0; i -= 1) {
    const snapshot = snapshots[i] as NumberedFile;
    let file: JournalFile | undefined;
    try {
      file = fs.openExisting(snapshot.path);
      const image = decodeSnapshot(sourceOf(file));
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
    } finally {
      file?.close();
    }
  }
  return undefined;
}

/** The batches of one segment, or the reason the service must not start (another format). */
function* batchesOf(
  source: ByteSource,
  path: string,
  nextSeq: number,
  last: boolean,
): Generator<JournalBatch, BatchesEnd> {
  try {
    return yield* readBatches(source, { nextSeq, last });
  } catch (error) {
    if (error instanceof JournalFormatError) {
      throw new Error(
        `journal ${path} at byte offset ${error.offset ?? 0}: ${error.message}; ` +
          'start the version of the service that wrote it',
        { cause: error },
      );
    }
    throw error;
  }
}

export async function recover(
  fs: JournalFileSystem,
  options: RecoveryOptions,
): Promise<{ machine: StateMachine; report: RecoveryReport }> {
  const started = performance.now();
  const { dataDir, logger } = options;
  const skipped: string[] = [];
  const snapshots = listSnapshots(dataDir, fs);
  const machine =
    loadSnapshot(fs, snapshots, options, skipped) ??
    new StateMachine(options.registry, options.initialLimits);
  const snapshotSeq = machine.appliedSeq;
  if (snapshots.length > 0 && skipped.length === snapshots.length) {
    logger.error('no snapshot passed its checks; replaying the journal from the start');
  }

  const segments = listSegments(dataDir, fs);
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
  const files = needed.map((segment) => fs.openExisting(segment.path));
  try {
    const totalBytes = files.reduce((sum, file) => sum + file.size(), 0);
    let bytesDone = 0;
    let replayed = 0;
    let tornBytesCut = 0;
    let lastProgress = performance.now();
    const progressEveryMs = options.progressEveryMs ?? progressEveryMsDefault;
    for (const [index, file] of files.entries()) {
      const source = sourceOf(file);
      const last = index === files.length - 1;
      const batches = batchesOf(source, file.path, machine.appliedSeq + 1, last);
      let next = batches.next();
      for (; next.done !== true; next = batches.next()) {
        const { offset, commands } = next.value;
        for (const stamped of commands) {
          if (stamped.seq <= machine.appliedSeq) continue;
          if (stamped.seq !== machine.appliedSeq + 1) {
            throw new JournalCorruptionError(
              file.path,
              offset,
              `command ${stamped.seq} follows command ${machine.appliedSeq}`,
            );
          }
          const problem = machine.problemWith(stamped.command);
          if (problem !== undefined) throw new JournalCorruptionError(file.path, offset, problem);
          machine.apply(stamped);
          replayed += 1;
        }
        if (performance.now() - lastProgress >= progressEveryMs) {
          lastProgress = performance.now();
          logger.info(
            {
              replayed,
              percent: Math.round((100 * (bytesDone + offset)) / Math.max(1, totalBytes)),
            },
            'replaying the journal',
          );
        }
      }
      bytesDone += source.size;
      const { problem, validEnd } = next.value;
      if (problem === undefined) continue;
      if (!problem.torn) {
        throw new JournalCorruptionError(file.path, problem.offset, problem.detail);
      }
      tornBytesCut = source.size - validEnd;
      file.truncate(validEnd);
      await file.sync();
      logger.warn(
        { file: file.path, offset: validEnd, bytesCut: tornBytesCut, detail: problem.detail },
        `cut a torn tail of ${tornBytesCut} bytes (a write interrupted by a crash, never acknowledged)`,
      );
    }
    const report: RecoveryReport = {
      snapshotSeq,
      replayed,
      tornBytesCut,
      snapshotsSkipped: skipped,
      appliedSeq: machine.appliedSeq,
      durationMs: Math.round(performance.now() - started),
    };
    return { machine, report };
  } finally {
    for (const file of files) file.close();
  }
}
