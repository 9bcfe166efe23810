/**
 * A local etcd cluster on loopback ports, for the tests and for anyone trying the service on
 * several instances: `npm run etcd:cluster` starts three members and keeps them in the
 * foreground until Ctrl-C; the tests import `startEtcdCluster` and then kill, pause, resume and
 * restart single members to play failures.
 *
 * Each member is Debian's `etcd` binary (package `etcd-server`, or `ETCD_BIN`) with its data in a
 * temporary directory that is removed when the cluster stops. Members listen on 127.0.0.1 only.
 * The trade-off: a real cluster costs a second or two to start and a few tens of megabytes per
 * member, but a fake one could not show what Raft does when a leader dies or a majority is lost.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The etcd binary: `ETCD_BIN`, else `etcd` on the PATH. */
export const etcdBinary = process.env.ETCD_BIN ?? 'etcd';

/** Whether an etcd binary can be run here. */
export function etcdAvailable(): boolean {
  const probe = spawnSync(etcdBinary, ['--version'], { encoding: 'utf8' });
  return probe.status === 0;
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  /** Process id of the running member, or undefined while it is down. */
  readonly pid: number | undefined;
  /** Sends a signal: SIGKILL to crash it, SIGSTOP to pause it, SIGCONT to resume it. */
  kill(signal: NodeJS.Signals): void;
  /** Starts the member again on its data directory (after a kill). */
  restart(): Promise<void>;
  /** Resolves when the current process has exited. */
  exited(): Promise<void>;
  /** The end of what the member wrote to stderr. */
  stderr(): string;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** The client URLs, as `ETCD_ENDPOINTS` takes them. */
  endpoints: string[];
  /** The member that is the Raft leader now (asked of the members that answer). */
  leader(): Promise<EtcdMember>;
  /** Kills every member and removes the data unless it was kept. */
  stop(): Promise<void>;
}

export interface EtcdClusterOptions {
  /** @default 3 */
  size?: number;
  /**
   * First port: member i listens for clients on `basePort + 2i` and for peers on
   * `basePort + 2i + 1`. Without it, free ports above 20000 are picked.
   */
  basePort?: number;
  /** Where the members keep their data. @default a new temporary directory */
  dir?: string;
  /** Keep the data directory when the cluster stops. @default false */
  keepData?: boolean;
  /** Extra etcd flags for every member. */
  extraArgs?: string[];
  /** Print the members' own log lines. @default false */
  verbose?: boolean;
}

/** A free TCP port above 20000 on 127.0.0.1, as the system hands them out. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const found = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    if (port > 20_000) return port;
  }
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1_000) });
    const body = (await response.json()) as { health?: unknown };
    return body.health === 'true';
  } catch {
    return false;
  }
}

/** The member id and the leader's id as a member reports them (etcd's JSON gateway). */
async function statusOf(clientUrl: string): Promise<{ memberId: string; leader: string } | null> {
  try {
    const response = await fetch(`${clientUrl}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await response.json()) as { header?: { member_id?: string }; leader?: string };
    if (body.header?.member_id === undefined || body.leader === undefined) return null;
    return { memberId: body.header.member_id, leader: body.leader };
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const size = options.size ?? 3;
  const root = options.dir ?? mkdtempSync(join(tmpdir(), 'raffle-etcd-'));
  const ports: { client: number; peer: number }[] = [];
  for (let i = 0; i < size; i += 1) {
    ports.push(
      options.basePort === undefined
        ? { client: await freePort(), peer: await freePort() }
        : { client: options.basePort + 2 * i, peer: options.basePort + 2 * i + 1 },
    );
  }
  const names = ports.map((_, i) => `m${i + 1}`);
  const initialCluster = ports
    .map((port, i) => `${names[i]}=http://127.0.0.1:${port.peer}`)
    .join(',');
  const token = `raffle-${process.pid}-${Date.now()}`;

  const members = ports.map((port, i): EtcdMember & { start(): void } => {
    const name = names[i] as string;
    const dataDir = join(root, name);
    mkdirSync(dataDir, { recursive: true });
    const clientUrl = `http://127.0.0.1:${port.client}`;
    const peerUrl = `http://127.0.0.1:${port.peer}`;
    let child: ChildProcess | undefined;
    let exit: Promise<void> = Promise.resolve();
    let stderr = '';
    const args = [
      `--name=${name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-token=${token}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      `--log-level=${options.verbose === true ? 'info' : 'error'}`,
      ...(options.extraArgs ?? []),
    ];
    return {
      name,
      clientUrl,
      peerUrl,
      dataDir,
      get pid() {
        return child !== undefined && child.exitCode === null && child.signalCode === null
          ? child.pid
          : undefined;
      },
      start() {
        const started = spawn(etcdBinary, args, {
          stdio: ['ignore', options.verbose === true ? 'inherit' : 'ignore', 'pipe'],
        });
        stderr = '';
        started.stderr?.setEncoding('utf8');
        started.stderr?.on('data', (chunk: string) => {
          stderr = (stderr + chunk).slice(-4096);
          if (options.verbose === true) process.stderr.write(chunk);
        });
        started.on('error', (error) => {
          stderr += String(error);
        });
        exit = new Promise((resolve) => started.once('exit', () => resolve()));
        child = started;
      },
      kill(signal) {
        if (this.pid !== undefined) child?.kill(signal);
      },
      async restart() {
        if (this.pid !== undefined) throw new Error(`etcd member ${name} is still running`);
        this.start();
        await waitHealthy([this]);
      },
      exited: () => exit,
      stderr: () => stderr,
    };
  });

  const waitHealthy = async (which: EtcdMember[]): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await Promise.all(which.map((member) => healthy(member.clientUrl)));
      if (states.every(Boolean)) return;
      const dead = which.find((member) => member.pid === undefined);
      if (dead !== undefined) {
        throw new Error(`etcd member ${dead.name} exited while starting:\n${dead.stderr()}`);
      }
      if (Date.now() > deadline) throw new Error('the etcd cluster did not become healthy');
      await sleep(100);
    }
  };

  for (const member of members) member.start();
  const stop = async (): Promise<void> => {
    for (const member of members) member.kill('SIGCONT');
    for (const member of members) member.kill('SIGKILL');
    await Promise.all(members.map((member) => member.exited()));
    if (options.keepData !== true) rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitHealthy(members);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    members,
    endpoints: members.map((member) => member.clientUrl),
    async leader() {
      const deadline = Date.now() + 15_000;
      for (;;) {
        for (const member of members) {
          if (member.pid === undefined) continue;
          const status = await statusOf(member.clientUrl);
          if (status === null || status.leader === '0') continue;
          for (const candidate of members) {
            if (candidate.pid === undefined) continue;
            const own = await statusOf(candidate.clientUrl);
            if (own?.memberId === status.leader) return candidate;
          }
        }
        if (Date.now() > deadline) throw new Error('no etcd member reports a leader');
        await sleep(100);
      }
    },
    stop,
  };
}

/** `npm run etcd:cluster [-- --base-port 23790] [--keep]`: three members until Ctrl-C. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const baseIndex = args.indexOf('--base-port');
  const basePort = baseIndex >= 0 ? Number(args[baseIndex + 1]) : 23_790;
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65_000) {
    throw new Error('--base-port takes a port number between 1024 and 65000');
  }
  if (!etcdAvailable()) {
    throw new Error(
      `cannot run '${etcdBinary}': install etcd (Debian: apt-get install etcd-server)`,
    );
  }
  const cluster = await startEtcdCluster({ basePort, keepData: args.includes('--keep') });
  const endpoints = cluster.endpoints.join(',');
  console.log(`etcd cluster of ${cluster.members.length} members is up`);
  for (const member of cluster.members) console.log(`  ${member.name}  ${member.clientUrl}`);
  console.log(`\nETCD_ENDPOINTS=${endpoints}\n`);
  console.log('Start instances in other terminals (after npm run build:server), for example:');
  for (let i = 1; i <= 3; i += 1) {
    console.log(
      `  COMMAND_LOG=etcd ETCD_ENDPOINTS=${endpoints} PORT=${3000 + i} DATA_DIR=./data-${i} node dist/server/main.js`,
    );
  }
  console.log('\nCtrl-C stops the cluster and removes its data.');
  const stop = (): void => {
    cluster.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))
) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
