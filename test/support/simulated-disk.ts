/**
 * A simulated disk behind the journal's file-system seam, for power-cut and fault tests.
 *
 * It keeps, for every file, what was written (the page cache) apart from what a sync made
 * durable, and for every directory the entries as they are apart from the entries a directory
 * sync made durable. After every change it records a checkpoint, and `crashImage` rebuilds the disk
 * a power cut at that checkpoint could leave: the durable entries (or, as the other extreme, every
 * entry made so far), each file with its durable bytes, and the file written last with any prefix
 * of the bytes written since its last sync — a write cut at every byte. `failDatasync` makes the
 * next syncs of matching files fail, as a dying disk does.
 */
import { basename, dirname } from 'node:path';
import type { JournalFile, JournalFileSystem } from '../../src/journal/file-system.js';
import { DataDirectoryLockedError, type DirectoryLock } from '../../src/journal/directory-lock.js';

type Entry = { kind: 'file'; inode: number } | { kind: 'dir' };
type Entries = Map<string, Entry>;

interface Inode {
  /** What reads see: everything written. */
  written: Buffer;
  /** What survives a power cut. */
  durable: Buffer;
}

interface Directory {
  entries: Entries;
  durable: Entries;
}

export interface Checkpoint {
  /** What happened just before, for messages. */
  op: string;
  dirs: Map<string, { entries: Entries; durable: Entries }>;
  inodes: Map<number, Inode>;
  /** The file written by this step, if it was a write, and how many bytes it wrote. */
  wroteInode?: number | undefined;
  wroteBytes: number;
  /** Commands acknowledged by then (set by the test). */
  ackedSeq: number;
}

/**
 * Which directory entries a power cut keeps: those a directory sync made durable; every entry
 * made so far; or the durable ones less those removed since (removals reached the disk, new
 * entries and renames did not: what breaks a prune that runs before the rename it relies on is
 * durable).
 */
export type DirectoryVariant = 'durable-entries' | 'all-entries' | 'removals-only';

function failure(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

export class SimulatedDisk implements JournalFileSystem {
  private readonly dirs = new Map<string, Directory>();
  private readonly inodes = new Map<number, Inode>();
  private readonly locks = new Set<string>();
  private nextInode = 1;
  readonly checkpoints: Checkpoint[] = [];
  /** Acknowledged sequence number to stamp into the next checkpoints. */
  ackedSeq = 0;
  /** Paths whose next datasync or sync fails. */
  failDatasync: (path: string) => boolean = () => false;
  /** Every operation, in order, for tests of ordering. */
  readonly operations: string[] = [];

  constructor(readonly root = '/disk') {
    this.dirs.set(root, { entries: new Map(), durable: new Map() });
  }

  /** Records that commands up to `seq` were acknowledged (after every step so far). */
  acknowledge(seq: number): void {
    this.ackedSeq = Math.max(this.ackedSeq, seq);
    this.checkpoint(`ack ${seq}`);
  }

  private checkpoint(op: string, wroteInode?: number, wroteBytes = 0): void {
    this.operations.push(op);
    const dirs = new Map<string, { entries: Entries; durable: Entries }>();
    for (const [path, dir] of this.dirs) {
      dirs.set(path, { entries: new Map(dir.entries), durable: new Map(dir.durable) });
    }
    this.checkpoints.push({
      op,
      dirs,
      inodes: new Map([...this.inodes].map(([id, inode]) => [id, { ...inode }])),
      wroteInode,
      wroteBytes,
      ackedSeq: this.ackedSeq,
    });
  }

  private dir(path: string): Directory {
    const dir = this.dirs.get(path);
    if (dir === undefined) throw failure('ENOENT', `no directory ${path}`);
    return dir;
  }

  private entry(path: string): Entry | undefined {
    return this.dirs.get(dirname(path))?.entries.get(basename(path));
  }

  private fileAt(path: string): number {
    const entry = this.entry(path);
    if (entry?.kind !== 'file') throw failure('ENOENT', `no file ${path}`);
    return entry.inode;
  }

  private newFile(path: string): number {
    const inode = this.nextInode++;
    this.inodes.set(inode, { written: Buffer.alloc(0), durable: Buffer.alloc(0) });
    this.dir(dirname(path)).entries.set(basename(path), { kind: 'file', inode });
    this.checkpoint(`create ${basename(path)}`);
    return inode;
  }

  private handle(path: string, inode: number): JournalFile {
    let open = true;
    const state = (): Inode => {
      if (!open) throw failure('EBADF', `${path} is closed`);
      return this.inodes.get(inode) as Inode;
    };
    const sync = async (what: string): Promise<void> => {
      const file = state();
      const fails = this.failDatasync(path);
      const written = file.written;
      await this.diskTime();
      if (fails) {
        this.checkpoint(`${what} ${basename(path)} failed`);
        throw failure('EIO', `i/o error, ${what} ${path}`);
      }
      file.durable = written;
      this.checkpoint(`${what} ${basename(path)}`);
    };
    return {
      path,
      size: () => state().written.length,
      read: (position, length) => state().written.subarray(position, position + length),
      append: (data) => {
        const file = state();
        file.written = Buffer.concat([file.written, data]);
        this.checkpoint(`write ${data.length} bytes to ${basename(path)}`, inode, data.length);
      },
      datasync: () => sync('fdatasync'),
      sync: () => sync('fsync'),
      truncate: (length) => {
        const file = state();
        file.written = Buffer.from(file.written.subarray(0, length));
        this.checkpoint(`truncate ${basename(path)} to ${length}`);
      },
      close: () => {
        open = false;
      },
    };
  }

  exists(path: string): boolean {
    return this.dirs.has(path) || this.entry(path) !== undefined;
  }

  makeDirectory(path: string): void {
    if (this.exists(path)) throw failure('EEXIST', path);
    this.dir(dirname(path)).entries.set(basename(path), { kind: 'dir' });
    this.dirs.set(path, { entries: new Map(), durable: new Map() });
    this.checkpoint(`mkdir ${path}`);
  }

  list(dir: string): string[] {
    return [...this.dir(dir).entries.keys()];
  }

  openExisting(path: string): JournalFile {
    return this.handle(path, this.fileAt(path));
  }

  openAppend(path: string): JournalFile {
    const entry = this.entry(path);
    return this.handle(path, entry?.kind === 'file' ? entry.inode : this.newFile(path));
  }

  create(path: string): JournalFile {
    return this.handle(path, this.newFile(path));
  }

  rename(from: string, to: string): void {
    const entry = this.entry(from);
    if (entry === undefined) throw failure('ENOENT', from);
    this.dir(dirname(from)).entries.delete(basename(from));
    this.dir(dirname(to)).entries.set(basename(to), entry);
    this.checkpoint(`rename ${basename(from)} ${basename(to)}`);
  }

  remove(path: string): void {
    this.dirs.get(dirname(path))?.entries.delete(basename(path));
    this.checkpoint(`remove ${basename(path)}`);
  }

  async syncDirectory(path: string): Promise<void> {
    const dir = this.dir(path);
    const entries = new Map(dir.entries);
    await this.diskTime(3);
    dir.durable = entries;
    this.checkpoint(`fsync directory ${path}`);
  }

  /**
   * A sync takes turns of the event loop, as a real one takes time: other work (the next batch,
   * a snapshot in the background) goes on meanwhile, and the test sees the interleavings. A
   * directory sync (a file-system journal commit) takes longer than a data sync.
   */
  private async diskTime(turns = 1): Promise<void> {
    for (let turn = 0; turn < turns; turn += 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  lock(path: string): DirectoryLock {
    if (this.locks.has(path)) throw new DataDirectoryLockedError(path, '');
    this.locks.add(path);
    return { path, release: () => this.locks.delete(path) };
  }

  /**
   * The disk a power cut at `checkpoint` leaves: the directory entries of `variant`, every file
   * with its durable bytes, and the file written at that step with `tailBytes` more of what was
   * written since its last sync.
   */
  static crashImage(
    checkpoint: Checkpoint,
    variant: DirectoryVariant,
    tailBytes = 0,
    root = '/disk',
  ): SimulatedDisk {
    const disk = new SimulatedDisk(root);
    const copy = (path: string): void => {
      const dir = checkpoint.dirs.get(path);
      if (dir === undefined) return;
      const entries =
        variant === 'durable-entries'
          ? dir.durable
          : variant === 'all-entries'
            ? dir.entries
            : new Map([...dir.durable].filter(([name]) => dir.entries.has(name)));
      const target = disk.dir(path);
      for (const [name, entry] of entries) {
        const child = `${path}/${name}`;
        if (entry.kind === 'dir') {
          // The entry too, so that a crash image of this image still holds the directory.
          target.entries.set(name, entry);
          disk.dirs.set(child, { entries: new Map(), durable: new Map() });
          copy(child);
        } else {
          const inode = checkpoint.inodes.get(entry.inode) as Inode;
          const extra = entry.inode === checkpoint.wroteInode ? tailBytes : 0;
          const kept =
            inode.written.subarray(0, inode.durable.length).equals(inode.durable) && extra > 0
              ? inode.written.subarray(0, inode.durable.length + extra)
              : inode.durable;
          const id = disk.nextInode++;
          disk.inodes.set(id, { written: Buffer.from(kept), durable: Buffer.from(kept) });
          target.entries.set(name, { kind: 'file', inode: id });
        }
      }
      target.durable = new Map(target.entries);
    };
    copy(root);
    disk.checkpoints.length = 0;
    disk.operations.length = 0;
    return disk;
  }

  /**
   * The tails worth trying at a checkpoint: for a write, cuts inside the bytes that step wrote
   * (earlier unsynced writes to the same file whole) — every byte, or with `sparse` the edges of
   * the record header and a few points between; otherwise none.
   */
  static cuts(checkpoint: Checkpoint, sparse = false): number[] {
    if (checkpoint.wroteInode === undefined) return [0];
    const inode = checkpoint.inodes.get(checkpoint.wroteInode) as Inode;
    const unsynced = inode.written.length - inode.durable.length;
    const from = unsynced - checkpoint.wroteBytes;
    const length = checkpoint.wroteBytes;
    const offsets = sparse
      ? [0, 1, 11, 12, 13, Math.floor(length / 2), length - 1, length].filter(
          (offset) => offset >= 0 && offset <= length,
        )
      : Array.from({ length: length + 1 }, (_, i) => i);
    return [...new Set(offsets)].map((offset) => from + offset);
  }

  /** The name of the file a write step wrote to, if it was a write. */
  static wroteTo(checkpoint: Checkpoint): string | undefined {
    return /^write \d+ bytes to (.+)$/.exec(checkpoint.op)?.[1];
  }
}
