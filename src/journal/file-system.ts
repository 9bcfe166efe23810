/**
 * The one seam between the journal and the disk: every file-system call the journal, its
 * snapshots and its recovery make goes through a `JournalFileSystem`.
 *
 * The service uses `nodeFileSystem`. Tests substitute a simulated disk that keeps what was made
 * durable apart from what was only written, fails an `fdatasync` on demand, and rebuilds the
 * directory as a power cut at any moment would leave it — which is how the ordering of writes,
 * syncs, renames and directory syncs is checked. Writes are synchronous (they only copy into the
 * page cache); the calls that wait for the disk (`datasync`, `sync`, `syncDirectory`) return
 * promises, so they run off the event loop.
 */
import { promisify } from 'node:util';
import {
  closeSync,
  constants,
  existsSync,
  fdatasync,
  fstatSync,
  fsync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { lockFile, type DirectoryLock } from './directory-lock.js';

const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);

/** An open file of the data directory. */
export interface JournalFile {
  readonly path: string;
  /** Bytes in the file now. */
  size(): number;
  /** Up to `length` bytes from `position` (fewer only at the end of the file). */
  read(position: number, length: number): Buffer;
  /** Writes all of `data` at the end of the file. */
  append(data: Buffer): void;
  /** `fdatasync`: the data written so far survives a power cut. */
  datasync(): Promise<void>;
  /** `fsync`: the data and the file's metadata survive a power cut. */
  sync(): Promise<void>;
  truncate(length: number): void;
  close(): void;
}

export interface JournalFileSystem {
  /** Whether a file or directory exists at `path`. */
  exists(path: string): boolean;
  /** Creates one directory, whose parent exists (durable in the parent only once that is synced). */
  makeDirectory(path: string): void;
  /** Names of the entries of `dir`. */
  list(dir: string): string[];
  /** Opens an existing file to read it (and to cut a torn tail). */
  openExisting(path: string): JournalFile;
  /** Opens a file to append to, creating it (empty) when missing. */
  openAppend(path: string): JournalFile;
  /** Creates a file, emptying any file already there. */
  create(path: string): JournalFile;
  rename(from: string, to: string): void;
  remove(path: string): void;
  /** `fsync` of a directory: entries created, renamed or removed in it survive a power cut. */
  syncDirectory(dir: string): Promise<void>;
  /** Takes the directory's exclusive lock, or throws `DataDirectoryLockedError`. */
  lock(path: string): DirectoryLock;
}

class NodeFile implements JournalFile {
  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  size(): number {
    return fstatSync(this.fd).size;
  }

  read(position: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const read = readSync(this.fd, buffer, done, length - done, position + done);
      if (read === 0) break;
      done += read;
    }
    return done === length ? buffer : buffer.subarray(0, done);
  }

  append(data: Buffer): void {
    let written = 0;
    while (written < data.length) {
      written += writeSync(this.fd, data, written, data.length - written);
    }
  }

  datasync(): Promise<void> {
    return fdatasyncAsync(this.fd);
  }

  sync(): Promise<void> {
    return fsyncAsync(this.fd);
  }

  truncate(length: number): void {
    ftruncateSync(this.fd, length);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The real disk, through `node:fs`. */
export const nodeFileSystem: JournalFileSystem = {
  exists: (path) => existsSync(path),
  makeDirectory: (path) => mkdirSync(path),
  list: (dir) => readdirSync(dir),
  openExisting: (path) => new NodeFile(path, openSync(path, constants.O_RDWR)),
  openAppend: (path) =>
    new NodeFile(path, openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT)),
  create: (path) =>
    new NodeFile(path, openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC)),
  rename: (from, to) => renameSync(from, to),
  remove: (path) => rmSync(path, { force: true }),
  async syncDirectory(dir) {
    const fd = openSync(dir, constants.O_RDONLY);
    try {
      await fsyncAsync(fd);
    } finally {
      closeSync(fd);
    }
  },
  lock: (path) => lockFile(path),
};
