/**
 * `npm start` as a user runs it, with the real npm and node processes, in a copy of the
 * repository's files (what a fresh clone holds: no `dist/`, no `node_modules/`).
 *
 * - A production install (`npm ci --omit=dev`: without the development type definitions `tsc`
 *   cannot build) starts and serves requests.
 * - SIGTERM to the `npm start` process stops everything: npm exits 0 and the service process is
 *   gone (the script `exec`s node, which imports the server, so the signal reaches it), after a
 *   graceful stop that wrote its snapshot.
 * - With the development install (linked here from the repository's own `node_modules/`), SIGINT
 *   stops it the same way, and a second start reuses the build instead of building again.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../load/runner/server-process.js';
import { request } from '../support/server.js';

const installTimeoutMs = 240_000;
const directories: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
});

function temporaryDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  directories.push(dir);
  return dir;
}

/** The files a clone of the working tree holds: tracked and new, never ignored ones. */
function copyOfClone(): string {
  const dir = temporaryDirectory('raffle-clone-');
  const listed = spawnSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
    {
      cwd: repositoryRoot,
      encoding: 'utf8',
    },
  );
  expect(listed.status, listed.stderr).toBe(0);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = join(repositoryRoot, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(from, join(dir, file));
  }
  return dir;
}

function npm(
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

interface Started {
  npm: ChildProcess;
  url: string;
  /** The service's own process id, from its "listening" log line. */
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `npm start` in `cwd` and waits for the service's "listening" line. */
function npmStart(cwd: string): Promise<Started> {
  const dataDir = temporaryDirectory('raffle-npm-start-data-');
  const child = spawn('npm', ['start'], {
    cwd,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not listen:\n${output}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string; pid?: number };
        if (entry.msg === 'raffle service listening' && entry.url && entry.pid) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.stdout?.on('data', (more: Buffer) => (output += more.toString()));
          resolve({ npm: child, url: entry.url, pid: entry.pid, output: () => output, exited });
          return;
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before listening:\n${output}`));
    });
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to npm (not to the service) and checks that everything stopped cleanly. */
async function expectStopsOn(started: Started, signal: NodeJS.Signals): Promise<void> {
  expect(started.pid).not.toBe(started.npm.pid);
  expect(isRunning(started.pid)).toBe(true);
  started.npm.kill(signal);
  expect(await started.exited).toBe(0);
  // npm waits for its script, so the service is gone by now; allow the kernel a moment to reap.
  for (let i = 0; i < 50 && isRunning(started.pid); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(isRunning(started.pid), 'the service outlived npm start').toBe(false);
  expect(started.output()).toContain('"msg":"snapshot written"');
  expect(started.output()).toContain('"msg":"stopped"');
}

async function issueOne(url: string): Promise<void> {
  const reply = await request(url, 'POST', '/api/raffles/main/tickets', {
    username: 'ann',
    count: 1,
  });
  expect(reply.status).toBe(200);
}

describe('npm start, production install', () => {
  let clone: string;

  beforeAll(async () => {
    clone = copyOfClone();
    const installed = await npm(
      ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'],
      clone,
      installTimeoutMs,
    );
    expect(installed.code, installed.output).toBe(0);
  }, installTimeoutMs);

  it('npm ci --omit=dev && npm start serves, and SIGTERM to npm stops everything', async () => {
    // No development packages: no test runner, no linter, not every type definition `tsc` needs.
    for (const name of ['vitest', 'eslint', '@types/swagger-ui-express']) {
      expect(existsSync(join(clone, 'node_modules', name)), name).toBe(false);
    }
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    const started = await npmStart(clone);
    await issueOne(started.url);
    await expectStopsOn(started, 'SIGTERM');
  }, 120_000);
});

describe('npm start, development install', () => {
  it('builds once, serves, and SIGINT to npm stops everything', async () => {
    const clone = copyOfClone();
    symlinkSync(join(repositoryRoot, 'node_modules'), join(clone, 'node_modules'), 'dir');
    const first = await npmStart(clone);
    await issueOne(first.url);
    await expectStopsOn(first, 'SIGINT');
    const main = join(clone, 'dist', 'server', 'main.js');
    const builtAt = statSync(main, { bigint: true }).mtimeNs;

    const second = await npmStart(clone);
    await issueOne(second.url);
    await expectStopsOn(second, 'SIGTERM');
    // The sources did not change, so the second start ran the first one's build.
    expect(statSync(main, { bigint: true }).mtimeNs).toBe(builtAt);
  }, 120_000);
});
