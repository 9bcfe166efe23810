/**
 * What lives in the data directory, by name.
 *
 *     journal-<first seq, 16 digits>.log     commands from that sequence number on
 *     snapshot-<seq, 16 digits>.snap         the whole state after that sequence number
 *     snapshot-<seq>.snap.tmp                a snapshot being written (removed at start)
 *     LOCK                                   held with an OS lock by the service using the directory
 */
import { dirname, join } from 'node:path';
import { nodeFileSystem, type JournalFileSystem } from './file-system.js';

const digits = 16;
const segmentPattern = /^journal-(\d{16})\.log$/;
const snapshotPattern = /^snapshot-(\d{16})\.snap$/;

export const lockFileName = 'LOCK';

export function segmentName(firstSeq: number): string {
  return `journal-${String(firstSeq).padStart(digits, '0')}.log`;
}

export function snapshotName(seq: number): string {
  return `snapshot-${String(seq).padStart(digits, '0')}.snap`;
}

export interface NumberedFile {
  name: string;
  path: string;
  /** First sequence number of a segment; covered sequence number of a snapshot. */
  seq: number;
}

function listMatching(dir: string, pattern: RegExp, fs: JournalFileSystem): NumberedFile[] {
  const files: NumberedFile[] = [];
  for (const name of fs.list(dir)) {
    const match = pattern.exec(name);
    if (match !== null) files.push({ name, path: join(dir, name), seq: Number(match[1]) });
  }
  return files.sort((a, b) => a.seq - b.seq);
}

/** Journal segments, oldest first. */
export function listSegments(dir: string, fs = nodeFileSystem): NumberedFile[] {
  return listMatching(dir, segmentPattern, fs);
}

/** Snapshots, oldest first. */
export function listSnapshots(dir: string, fs = nodeFileSystem): NumberedFile[] {
  return listMatching(dir, snapshotPattern, fs);
}

export function listTemporaryFiles(dir: string, fs: JournalFileSystem = nodeFileSystem): string[] {
  return fs
    .list(dir)
    .filter((name) => name.endsWith('.tmp'))
    .map((name) => join(dir, name));
}

/**
 * Creates the data directory and any missing parent, each made durable in its parent: without
 * that, a power cut soon after the first start could lose the directory with everything in it.
 */
export async function ensureDataDirectory(dir: string, fs: JournalFileSystem): Promise<void> {
  const missing: string[] = [];
  for (let at = dir; !fs.exists(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  for (const created of missing) {
    fs.makeDirectory(created);
    await fs.syncDirectory(dirname(created));
  }
}
