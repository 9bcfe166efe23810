/**
 * Starts the raffle service as a separate process for a load run, on 127.0.0.1 and a port the
 * system picks, and stops it gracefully afterwards.
 *
 * A separate process keeps the load generator's own CPU use out of the server's event loop, as in
 * production. The child runs in a fresh temporary directory, so that whatever it writes relative
 * to its working directory (a journal, a CPU profile) never lands in the repository; its address
 * is read from its "listening" log line, so no port is guessed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The bare node:http server (`bare-http-server.mjs`): the floor the service is compared with. */
export const bareServerEntry = fileURLToPath(new URL('./bare-http-server.mjs', import.meta.url));

export interface ServerProcessOptions {
  /**
   * Run the TypeScript sources through tsx instead of the build in `dist/` (for tests).
   * @default false
   */
  fromSource?: boolean;
  /** Script to run instead of the service (a path); it must log the same "listening" line. */
  entry?: string;
  /** Extra `node` arguments, such as `--cpu-prof`. */
  nodeArgs?: string[];
  /** Extra environment variables for the service. */
  env?: Record<string, string>;
  /** Given every chunk the child writes to stdout (such as V8's `--trace-gc-nvp` lines). */
  onStdout?: (chunk: string) => void;
  /**
   * How long to wait for the service to listen: generous, since a start from source compiles with
   * tsx and a shared machine may be busy; a service that exits first fails at once anyway.
   * @default 60000
   */
  startTimeoutMs?: number;
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** The child's working directory (a fresh temporary directory). */
  workDir: string;
  /** The end of what the child wrote, and its exit code if it has exited. */
  status(): { exitCode: number | null; stdout: string; stderr: string };
  /** Settles with the exit code (null when a signal ended the process) once the child exits. */
  exited: Promise<number | null>;
  /** Sends a signal (tests kill the service with SIGKILL, or stop it with SIGTERM or SIGINT). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then wait for exit (SIGKILL after `graceMs`); removes the working directory unless kept. */
  stop(options?: { graceMs?: number; keepWorkDir?: boolean }): Promise<number | null>;
}

/**
 * The `url` of a "listening" log line (pino JSON on stdout: `{"msg":"… listening","url":…}`), if
 * this line is one.
 */
function listeningUrlOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { url?: unknown; msg?: unknown };
    return typeof entry.url === 'string' &&
      typeof entry.msg === 'string' &&
      entry.msg.endsWith('listening')
      ? entry.url
      : undefined;
  } catch {
    return undefined;
  }
}

export async function startServerProcess(
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const workDir = mkdtempSync(join(tmpdir(), 'raffle-load-'));
  const entry =
    options.entry ??
    (options.fromSource
      ? join(repositoryRoot, 'src/server/main.ts')
      : join(repositoryRoot, 'dist/server/main.js'));
  const loader = options.fromSource ? ['--import', import.meta.resolve('tsx')] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...loader, ...(options.nodeArgs ?? []), entry],
    {
      cwd: workDir,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        LOG_REQUESTS: 'false',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => resolveExit(code));
  });

  const url = await new Promise<string>((resolveUrl, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `the service did not start within ${options.startTimeoutMs ?? 60_000} ms\n${stderr}`,
        ),
      );
    }, options.startTimeoutMs ?? 60_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      options.onStdout?.(chunk);
      stdout = (stdout + chunk).slice(-8192);
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const found = listeningUrlOf(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        if (found !== undefined) {
          clearTimeout(timer);
          resolveUrl(found);
        }
        newline = pending.indexOf('\n');
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited with code ${code} before listening\n${stderr}`));
    });
  }).catch(async (error: unknown) => {
    // A service that never listened leaves nothing to keep: its working directory goes too.
    await exited;
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  });
  // Keep reading the child's output so that it never blocks on a full pipe.
  child.stdout?.resume();

  return {
    url,
    pid: child.pid ?? -1,
    workDir,
    status: () => ({ exitCode: child.exitCode, stdout, stderr }),
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    async stop({ graceMs = 15_000, keepWorkDir = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      if (!keepWorkDir) rmSync(workDir, { recursive: true, force: true });
      return code;
    },
  };
}
