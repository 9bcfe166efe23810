/**
 * Reads a journal segment batch by batch, for recovery and the audit export alike.
 *
 * A batch (one group commit) is several records written one after the other and made durable by
 * one fdatasync; the next batch is written only after that returned. So when the power is cut,
 * the bytes that may be missing, torn or (on a disk that reorders unsynced writes) zeroed with
 * later bytes kept are those of the last batch only, and nobody was answered about them. A format-3
 * batch ends with an end record: commands are buffered until it is read and only complete batches
 * are yielded, so nothing of a batch is applied before all of it is known to be there. A batch is
 * bounded by the queue's `batchBytesMax` (or is one command), which bounds that buffer.
 *
 * When a record is bad, the reader looks past it, byte by byte, for the next frame whose two
 * checksums hold. A valid record of a later batch after the damage proves the damaged batch was
 * made durable (its successor was written after its fdatasync): that is corruption. If no later
 * batch follows, the damage lies within the last batch and is read as a torn write, to be cut at
 * the batch's first record. The one ambiguity, as with a bad last record before format 3: damage
 * to a durable last batch (a disk flipping bits in it later) looks the same, and is cut too.
 */
import { crc32 } from 'node:zlib';
import { journalRecordBytesMax } from '../config/limits.js';
import type { StampedCommand } from '../engine/commands.js';
import { decodeRecord, JournalFormatError, type JournalRecord } from './codec.js';
import { readRecords, recordHeaderBytes, type ByteSource } from './framing.js';

export interface JournalBatch {
  /** Offset of the batch's first record, and just past its last one. */
  offset: number;
  end: number;
  commands: StampedCommand[];
}

export interface BatchesEnd {
  /** End of the last complete batch: where a torn last batch is cut. */
  validEnd: number;
  /** What stopped the reader before the end, if anything; `torn` only when `last` was set. */
  problem?: { offset: number; torn: boolean; detail: string } | undefined;
}

export interface BatchReadOptions {
  /** The seq of the first command not yet known from earlier segments or a snapshot. */
  nextSeq: number;
  /** Whether this is the newest segment, the only one that may end in a torn batch. */
  last: boolean;
}

/** Bytes searched at a time for a valid frame past a bad record. */
const searchChunkBytes = 1_048_576;

/** The next valid record at or after `from`, with its offset, or undefined at the end. */
function nextValidFrame(
  source: ByteSource,
  from: number,
): { offset: number; payload: Buffer } | undefined {
  for (let chunkAt = from; chunkAt + recordHeaderBytes <= source.size;) {
    const chunk = source.read(chunkAt, searchChunkBytes + recordHeaderBytes - 1);
    const headers = chunk.length - recordHeaderBytes + 1;
    for (let i = 0; i < headers; i += 1) {
      const length = chunk.readUInt32LE(i);
      const at = chunkAt + i;
      // The cheap filter first: a length in bounds that fits in the file (text and zeros fail).
      if (length < 1 || length > journalRecordBytesMax) continue;
      if (at + recordHeaderBytes + length > source.size) continue;
      if (crc32(chunk.subarray(i, i + 8)) !== chunk.readUInt32LE(i + 8)) continue;
      const payload = source.read(at + recordHeaderBytes, length);
      if (crc32(payload) === chunk.readUInt32LE(i + 4)) return { offset: at, payload };
    }
    chunkAt += headers;
  }
  return undefined;
}

/**
 * After a bad record at `offset` in batch `current`: the first valid record of a later batch
 * past it, or undefined when none follows (the damage is confined to the last batch). The search
 * stops at the first later record; in a torn case what follows is the rest of one batch.
 */
function laterBatchAfter(
  source: ByteSource,
  offset: number,
  current: number,
): { offset: number; what: string } | undefined {
  for (let at = offset + 1; ;) {
    const frame = nextValidFrame(source, at);
    if (frame === undefined) return undefined;
    let record: JournalRecord | undefined;
    try {
      record = decodeRecord(frame.payload);
    } catch {
      record = undefined;
    }
    if (record === undefined || record.type === 'whole') {
      return { offset: frame.offset, what: 'a record not of a format-3 batch' };
    }
    if (record.batch > current) return { offset: frame.offset, what: `batch ${record.batch}` };
    at = frame.offset + recordHeaderBytes + frame.payload.length;
  }
}

/**
 * Yields the complete batches of a segment in order and returns what stopped the reader. A
 * record in another journal format throws `JournalFormatError`.
 */
export function* readBatches(
  source: ByteSource,
  options: BatchReadOptions,
): Generator<JournalBatch, BatchesEnd> {
  let nextSeq = options.nextSeq;
  let validEnd = 0;
  /** The batch being read: where its first record starts, its name, its commands so far. */
  let pending: { offset: number; batch: number; commands: StampedCommand[] } | undefined;
  const corrupt = (offset: number, detail: string): BatchesEnd => ({
    validEnd,
    problem: { offset, torn: false, detail },
  });
  const records = readRecords(source);
  let next = records.next();
  for (; next.done !== true; next = records.next()) {
    const { offset, payload } = next.value;
    const end = offset + recordHeaderBytes + payload.length;
    let record: JournalRecord;
    try {
      record = decodeRecord(payload);
    } catch (error) {
      if (error instanceof JournalFormatError) throw new JournalFormatError(error.format, offset);
      return corrupt(offset, (error as Error).message);
    }
    if (pending !== undefined && (record.type === 'whole' || record.batch !== pending.batch)) {
      const other = record.type === 'whole' ? 'an older format' : `batch ${record.batch}`;
      return corrupt(offset, `batch ${pending.batch} has no end record before ${other}`);
    }
    let batch: JournalBatch;
    if (record.type === 'part') {
      if (pending === undefined) {
        if (record.commands[0]?.seq !== record.batch) {
          return corrupt(offset, `batch ${record.batch} starts with another command`);
        }
        pending = { offset, batch: record.batch, commands: [] };
      }
      for (const stamped of record.commands) pending.commands.push(stamped);
      continue;
    } else if (record.type === 'end') {
      if (pending === undefined) {
        return corrupt(offset, `an end of batch ${record.batch} without its commands`);
      }
      if (pending.commands.at(-1)?.seq !== record.last) {
        return corrupt(offset, `batch ${record.batch} ends at ${record.last}, not as its commands`);
      }
      batch = { offset: pending.offset, end, commands: pending.commands };
      pending = undefined;
    } else {
      batch = { offset, end, commands: record.commands };
    }
    yield batch;
    validEnd = end;
    nextSeq = Math.max(nextSeq, (batch.commands.at(-1)?.seq ?? 0) + 1);
  }
  const { problem } = next.value;
  if (problem === undefined) {
    if (pending === undefined) return { validEnd };
    const detail = `batch ${pending.batch} has no end record`;
    if (!options.last) return corrupt(pending.offset, detail);
    return { validEnd, problem: { offset: pending.offset, torn: true, detail } };
  }
  if (!options.last) return corrupt(problem.offset, problem.detail);
  const later = laterBatchAfter(source, problem.offset, pending?.batch ?? nextSeq);
  if (later !== undefined) {
    return corrupt(
      problem.offset,
      `${problem.detail}, and ${later.what} at offset ${later.offset} follows it, so this ` +
        'batch was made durable before the damage',
    );
  }
  // Damage confined to the last batch: a torn write, cut where the batch starts.
  return { validEnd, problem: { ...problem, torn: true } };
}
