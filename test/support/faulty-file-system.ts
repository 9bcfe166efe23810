/**
 * A file system that fails on purpose, in front of any other behind the journal's one seam (the
 * simulated disk in unit tests and the simulation, the real disk in a whole service).
 *
 * Every write and every sync is counted, and a plan decides for each one whether it goes through,
 * fails with EIO (a dying disk's fdatasync or fsync, a directory's too), fails with ENOSPC before
 * writing anything, or writes only a prefix and then fails with ENOSPC (a short write, as a full
 * disk leaves one). A delay before each sync stands for a slow disk. The trade-off: faults are
 * injected at the calls the journal makes, not inside the kernel, so they are exactly the failures
 * the journal can observe — which is what its promises are about.
 */
import type { JournalFile, JournalFileSystem } from '../../src/journal/file-system.js';
import type { DirectoryLock } from '../../src/journal/directory-lock.js';

/** What happens to one write or sync. */
export type Fault =
  /** The call fails with EIO; with `reached`, a sync's data reached the disk all the same. */
  | { kind: 'eio'; reached?: boolean }
  | { kind: 'enospc' }
  /** Writes the first `bytes` bytes (fewer than asked), then fails with ENOSPC. */
  | { kind: 'short'; bytes: number };

export interface FaultCall {
  /** `append`, `datasync`, `sync` or `syncDirectory`. */
  op: 'append' | 'datasync' | 'sync' | 'syncDirectory';
  path: string;
  /** Bytes asked to be written (appends only). */
  bytes: number;
  /** Number of this call among all writes and syncs, from 1. */
  index: number;
}

export interface FaultPlan {
  /** The fault for this call, or undefined to let it through. */
  faultFor?: (call: FaultCall) => Fault | undefined;
  /** Waits before each sync reaches the disk below (a slow disk). */
  syncDelay?: (call: FaultCall) => Promise<void>;
}

function failure(code: 'EIO' | 'ENOSPC', message: string): Error {
  const text = code === 'EIO' ? 'i/o error' : 'no space left on device';
  return Object.assign(new Error(`${code}: ${text}, ${message}`), { code });
}

export class FaultyFileSystem implements JournalFileSystem {
  /** Writes and syncs seen so far. */
  calls = 0;
  /** Every fault injected, in order, for messages and assertions. */
  readonly injected: (FaultCall & { fault: Fault })[] = [];

  constructor(
    private readonly inner: JournalFileSystem,
    public plan: FaultPlan = {},
  ) {}

  private decide(op: FaultCall['op'], path: string, bytes = 0): [FaultCall, Fault | undefined] {
    this.calls += 1;
    const call = { op, path, bytes, index: this.calls };
    const fault = this.plan.faultFor?.(call);
    if (fault !== undefined) this.injected.push({ ...call, fault });
    return [call, fault];
  }

  private async sync(
    op: 'datasync' | 'sync' | 'syncDirectory',
    path: string,
    run: () => Promise<void>,
  ) {
    const [call, fault] = this.decide(op, path);
    await this.plan.syncDelay?.(call);
    if (fault !== undefined) {
      // A sync that fails may or may not have pushed the data down: nothing may count on either.
      if (fault.kind === 'eio' && fault.reached === true) await run().catch(() => undefined);
      throw failure(fault.kind === 'eio' ? 'EIO' : 'ENOSPC', `${op} ${path}`);
    }
    await run();
  }

  private wrap(file: JournalFile): JournalFile {
    return {
      path: file.path,
      size: () => file.size(),
      read: (position, length) => file.read(position, length),
      append: (data) => {
        const [, fault] = this.decide('append', file.path, data.length);
        if (fault === undefined) return file.append(data);
        if (fault.kind === 'short' && fault.bytes > 0) {
          file.append(data.subarray(0, Math.min(fault.bytes, data.length - 1)));
        }
        throw failure(fault.kind === 'eio' ? 'EIO' : 'ENOSPC', `write ${file.path}`);
      },
      datasync: () => this.sync('datasync', file.path, () => file.datasync()),
      sync: () => this.sync('sync', file.path, () => file.sync()),
      truncate: (length) => file.truncate(length),
      close: () => file.close(),
    };
  }

  exists = (path: string): boolean => this.inner.exists(path);
  makeDirectory = (path: string): void => this.inner.makeDirectory(path);
  list = (dir: string): string[] => this.inner.list(dir);
  openExisting = (path: string): JournalFile => this.wrap(this.inner.openExisting(path));
  openAppend = (path: string): JournalFile => this.wrap(this.inner.openAppend(path));
  create = (path: string): JournalFile => this.wrap(this.inner.create(path));
  rename = (from: string, to: string): void => this.inner.rename(from, to);
  remove = (path: string): void => this.inner.remove(path);
  syncDirectory = (dir: string): Promise<void> =>
    this.sync('syncDirectory', dir, () => this.inner.syncDirectory(dir));
  lock = (path: string): DirectoryLock => this.inner.lock(path);
}

/** A plan that injects `fault` at the `at`-th call matching `where`, and nowhere else. */
export function faultAt(
  at: number,
  fault: Fault,
  where: (call: FaultCall) => boolean = () => true,
): FaultPlan {
  let seen = 0;
  return {
    faultFor: (call) => {
      if (!where(call)) return undefined;
      seen += 1;
      return seen === at ? fault : undefined;
    },
  };
}
