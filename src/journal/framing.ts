/**
 * The record framing shared by journal segments and snapshots.
 *
 * A record is a 12-byte header and a payload:
 *
 *     u32 LE  payload length (1 .. journalRecordBytesMax)
 *     u32 LE  CRC-32 of the payload
 *     u32 LE  CRC-32 of the eight bytes above
 *     payload
 *
 * The header has its own checksum so that a flipped bit in a length is caught as corruption
 * instead of being taken for a record running past the end of the file. Scanning tells a torn
 * tail (what a crash in the middle of a write leaves: a short header, a payload cut short, a last
 * record whose checksum fails, or zeros) from corruption (a bad record with more data after it);
 * snapshots rely on that, while journal segments are judged batch by batch in `batches.ts`, since
 * a crash can leave a hole inside the last batch with valid records of it after the hole.
 * Records are read one at a time from a byte source (a file, or a buffer in tests), so reading a
 * journal segment or a snapshot holds one record in memory, whatever the size of the file.
 */
import { crc32 } from 'node:zlib';
import { journalRecordBytesMax } from '../config/limits.js';

export const recordHeaderBytes = 12;

/** Frames one payload as a record. */
export function encodeRecord(payload: Buffer): Buffer {
  if (payload.length < 1 || payload.length > journalRecordBytesMax) {
    throw new Error(`journal: a record payload of ${payload.length} bytes is out of bounds`);
  }
  const record = Buffer.allocUnsafe(recordHeaderBytes + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  record.writeUInt32LE(crc32(record.subarray(0, 8)), 8);
  payload.copy(record, recordHeaderBytes);
  return record;
}

export interface ScanProblem {
  /** Byte offset of the first bad record. */
  offset: number;
  /** True when the problem can only be the tail of an interrupted write. */
  torn: boolean;
  detail: string;
}

/** Where records are read from: a file through the journal's file system, or a buffer. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `position` (fewer only at the end of the source). */
  read(position: number, length: number): Buffer;
}

export function bufferSource(buffer: Buffer): ByteSource {
  return {
    size: buffer.length,
    read: (position, length) => buffer.subarray(position, position + length),
  };
}

export interface FramedRecord {
  offset: number;
  payload: Buffer;
}

/** How a scan ended: where the valid records end, and what stopped it if not the end. */
export interface ScanEnd {
  /** End of the last valid record: where a torn tail would be cut. */
  validEnd: number;
  problem?: ScanProblem | undefined;
}

/** Bytes read at a time when checking that a tail is all zeros. */
const zeroCheckBytes = 1_048_576;

function zerosFrom(source: ByteSource, offset: number): boolean {
  for (let at = offset; at < source.size; at += zeroCheckBytes) {
    const chunk = source.read(at, Math.min(zeroCheckBytes, source.size - at));
    for (const byte of chunk) if (byte !== 0) return false;
  }
  return true;
}

/**
 * Yields every valid record from the start, one at a time, and returns what stopped the scan, if
 * anything. Nothing is read past a problem.
 */
export function* readRecords(source: ByteSource): Generator<FramedRecord, ScanEnd> {
  let offset = 0;
  const stop = (torn: boolean, detail: string): ScanEnd => ({
    validEnd: offset,
    problem: { offset, torn, detail },
  });
  while (offset < source.size) {
    const remaining = source.size - offset;
    if (remaining < recordHeaderBytes) {
      return stop(true, `${remaining} bytes, shorter than a record header`);
    }
    const header = source.read(offset, recordHeaderBytes);
    const length = header.readUInt32LE(0);
    const payloadCrc = header.readUInt32LE(4);
    const headerCrc = header.readUInt32LE(8);
    if (crc32(header.subarray(0, 8)) !== headerCrc) {
      if (zerosFrom(source, offset)) return stop(true, 'zeros where a record header should be');
      return stop(false, 'record header checksum mismatch');
    }
    if (length < 1 || length > journalRecordBytesMax) {
      return stop(false, `record length ${length} out of bounds`);
    }
    const end = offset + recordHeaderBytes + length;
    if (end > source.size) {
      return stop(true, `record of ${length} bytes cut short at the end of the file`);
    }
    const payload = source.read(offset + recordHeaderBytes, length);
    if (crc32(payload) !== payloadCrc) {
      // A last record whose payload did not all reach the disk looks exactly like this.
      if (end === source.size) return stop(true, 'last record payload checksum mismatch');
      return stop(false, 'record payload checksum mismatch');
    }
    yield { offset, payload };
    offset = end;
  }
  return { validEnd: offset };
}

export interface ScanResult extends ScanEnd {
  /** Payloads of the valid records, in order, as views into the scanned buffer. */
  payloads: Buffer[];
  /** Offsets of those records. */
  offsets: number[];
}

/** Reads every valid record of a buffer and says what stopped the scan, if anything. */
export function scanRecords(buffer: Buffer): ScanResult {
  const payloads: Buffer[] = [];
  const offsets: number[] = [];
  const records = readRecords(bufferSource(buffer));
  for (let next = records.next(); ; next = records.next()) {
    if (next.done === true) return { payloads, offsets, ...next.value };
    payloads.push(next.value.payload);
    offsets.push(next.value.offset);
  }
}
