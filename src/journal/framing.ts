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
 * record whose checksum fails, or zeros) from corruption (a bad record with more data after it).
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

export interface ScanResult {
  /** Payloads of the valid records, in order, as views into the scanned buffer. */
  payloads: Buffer[];
  /** Offsets of those records. */
  offsets: number[];
  /** End of the last valid record: where a torn tail would be cut. */
  validEnd: number;
  problem?: ScanProblem | undefined;
}

function zerosFrom(buffer: Buffer, offset: number): boolean {
  for (let i = offset; i < buffer.length; i += 1) if (buffer[i] !== 0) return false;
  return true;
}

/** Reads every valid record from the start and says what stopped the scan, if anything. */
export function scanRecords(buffer: Buffer): ScanResult {
  const payloads: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  const stop = (torn: boolean, detail: string): ScanResult => ({
    payloads,
    offsets,
    validEnd: offset,
    problem: { offset, torn, detail },
  });
  while (offset < buffer.length) {
    const remaining = buffer.length - offset;
    if (remaining < recordHeaderBytes) {
      return stop(true, `${remaining} bytes, shorter than a record header`);
    }
    const length = buffer.readUInt32LE(offset);
    const payloadCrc = buffer.readUInt32LE(offset + 4);
    const headerCrc = buffer.readUInt32LE(offset + 8);
    if (crc32(buffer.subarray(offset, offset + 8)) !== headerCrc) {
      if (zerosFrom(buffer, offset)) return stop(true, 'zeros where a record header should be');
      return stop(false, 'record header checksum mismatch');
    }
    if (length < 1 || length > journalRecordBytesMax) {
      return stop(false, `record length ${length} out of bounds`);
    }
    const end = offset + recordHeaderBytes + length;
    if (end > buffer.length) {
      return stop(true, `record of ${length} bytes cut short at the end of the file`);
    }
    const payload = buffer.subarray(offset + recordHeaderBytes, end);
    if (crc32(payload) !== payloadCrc) {
      // A last record whose payload did not all reach the disk looks exactly like this.
      if (end === buffer.length) return stop(true, 'last record payload checksum mismatch');
      return stop(false, 'record payload checksum mismatch');
    }
    payloads.push(payload);
    offsets.push(offset);
    offset = end;
  }
  return { payloads, offsets, validEnd: offset };
}
