/**
 * The data directory's lock: an exclusive `flock(2)` on `DATA_DIR/LOCK`, held for the life of the
 * process.
 *
 * A lock file holding a process id cannot be taken atomically (two processes started together
 * both find it absent or stale) and cannot be trusted across PID namespaces or PID reuse. An OS
 * lock has neither problem: the kernel grants it to one open file at a time, and releases it
 * when the last descriptor of that open file closes — at exit, however the process dies, even
 * by SIGKILL. A lock left by a killed process therefore never blocks a restart.
 *
 * Node has no `flock` of its own, and the packages that add one are native addons that need a
 * compiler at install. So the service opens the file itself and asks a one-shot helper to lock
 * that very open file: the helper inherits the descriptor as its fd 3, calls `flock(3, LOCK_EX |
 * LOCK_NB)` and exits. `flock` locks belong to the open file description, which the service
 * still holds, so the lock outlives the helper and lives exactly as long as the service's
 * descriptor. The helper is util-linux's `flock(1)` (present on every Debian-like system, and
 * in busybox), or Perl's `flock` where that is missing. The LOCK file is never removed: removing
 * it would let a process that opened the old file and one that creates a new one both hold "the"
 * lock. Its content (the holder's process id) is for people only.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';

/** Exit status the helpers use when another open file holds the lock (EX_TEMPFAIL). */
const heldStatus = 75;

export type LockHelper = readonly [command: string, args: readonly string[]];

/** The helpers, in order of preference: each locks the file open on its fd 3, or exits 75. */
export const lockHelpers: readonly LockHelper[] = [
  ['flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(heldStatus), '3']],
  [
    'perl',
    [
      '-MFcntl=:flock',
      '-e',
      `open(my $f, "+<&=", 3) or exit 2; flock($f, LOCK_EX | LOCK_NB) or exit ${heldStatus}; exit 0`,
    ],
  ],
];

/** Another process holds the data directory. */
export class DataDirectoryLockedError extends Error {
  constructor(
    readonly path: string,
    holder: string,
  ) {
    super(
      `data directory is in use: another process holds the lock on ${path}` +
        `${holder === '' ? '' : ` (it wrote: ${holder})`}; ` +
        'only one service may write to a data directory at a time',
    );
    this.name = 'DataDirectoryLockedError';
  }
}

export interface DirectoryLock {
  readonly path: string;
  /** Releases the lock (closing the descriptor); the LOCK file stays. */
  release(): void;
}

/** Asks the helpers in turn to lock `fd`; true when locked, false when another holds it. */
function lockDescriptor(fd: number, path: string, helpers: readonly LockHelper[]): boolean {
  const failures: string[] = [];
  for (const [command, args] of helpers) {
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
    if (result.error !== undefined) {
      failures.push(`${command}: ${result.error.message}`);
      continue;
    }
    if (result.status === 0) return true;
    if (result.status === heldStatus) return false;
    failures.push(`${command} exited ${String(result.status)}: ${result.stderr.toString().trim()}`);
  }
  throw new Error(
    `cannot lock ${path}: no working flock helper (install util-linux's flock or perl): ${failures.join('; ')}`,
  );
}

/** What the holder wrote in the file, for the message; empty when it cannot be read. */
function readHolder(fd: number): string {
  try {
    const buffer = Buffer.alloc(200);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, length).toString('utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Takes the lock on `path` (creating the file if missing), or throws `DataDirectoryLockedError`
 * at once when another process holds it.
 */
export function lockFile(path: string, helpers = lockHelpers): DirectoryLock {
  for (;;) {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    let locked = false;
    try {
      if (!lockDescriptor(fd, path, helpers))
        throw new DataDirectoryLockedError(path, readHolder(fd));
      locked = true;
    } finally {
      if (!locked) closeSync(fd);
    }
    // The file locked must still be the one at the path (someone may have replaced it).
    let current: number | undefined;
    try {
      current = statSync(path).ino;
    } catch {
      current = undefined;
    }
    if (current !== fstatSync(fd).ino) {
      closeSync(fd);
      continue;
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `pid ${process.pid} since ${new Date().toISOString()}\n`, 0);
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        closeSync(fd);
      },
    };
  }
}
