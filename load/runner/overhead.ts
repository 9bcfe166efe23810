/**
 * What the framework costs: the throughput of issuing tickets against the no-op procedure (same
 * input, same validation, no engine), on REST and on tRPC, and of both against a bare node:http
 * server and `/healthz`.
 *
 * Machines drift (CPU frequency, other processes), so the targets are measured in alternating
 * rounds within one run — round 1 of every target, then round 2, … — each round in a different
 * order, and each target's median over its rounds is reported. A short warm-up pass lets V8
 * optimise each path first. The load generator shares the machine with the server: on a small
 * machine its own CPU use caps the bare server's figure, which then understates the gap.
 */
import { cpus } from 'node:os';
import { median } from './common.js';
import { drive, type DriveResult } from './drive.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { httpCallFor, type HttpCall } from './surfaces.js';
import { issueCountMax, randomInt } from '../k6/workload.js';

export interface OverheadOptions {
  /** A running service to measure; without it one is started (and the bare server always is). */
  url?: string;
  /** @default 50 */
  connections?: number;
  /** @default 3 */
  rounds?: number;
  /** @default 5 */
  roundDurationS?: number;
  /** @default 1 */
  warmupS?: number;
  /** Extra `node` arguments for the service started here, such as `--cpu-prof`. */
  serverNodeArgs?: string[];
  /** Environment of the service started here (its defaults otherwise). */
  serverEnv?: Record<string, string>;
  /** Run the service from its TypeScript sources (tests). */
  fromSource?: boolean;
  log?: (line: string) => void;
}

type TargetName =
  'bare-node-http' | 'healthz' | 'rest-noop' | 'rest-issue' | 'trpc-noop' | 'trpc-issue';

interface Target {
  name: TargetName;
  url: string;
  next(): HttpCall;
}

export interface OverheadReport {
  startedAt: string;
  node: string;
  cpus: number;
  cpuModel: string;
  connections: number;
  pipelining: 1;
  rounds: number;
  roundDurationS: number;
  /** Usernames vary over a pool of this size, for the no-op and the issue alike. */
  usernamePool: number;
  targets: Record<
    TargetName,
    {
      requestsPerS: number[];
      medianRequestsPerS: number;
      lastLatencyMs: DriveResult['latencyMs'];
      non2xx: number;
    }
  >;
  ratios: {
    restIssueToRestNoop: number;
    trpcIssueToTrpcNoop: number;
    restNoopToBare: number;
    restIssueToBare: number;
    trpcNoopToBare: number;
    trpcIssueToBare: number;
    healthzToBare: number;
  };
  /** Environment given to the service started here (empty: its defaults, journal included). */
  serverEnv: Record<string, string>;
  /** Ratios that fall below the target of 0.85 (issue against no-op). */
  belowTarget: string[];
}

export const issueToNoopTarget = 0.85;
const usernamePool = 10_000;

const issueShaped = () => ({
  username: `u${randomInt(0, usernamePool - 1)}`,
  count: randomInt(1, issueCountMax),
});

export async function runOverhead(options: OverheadOptions = {}): Promise<OverheadReport> {
  const log = options.log ?? (() => undefined);
  const connections = options.connections ?? 50;
  const rounds = options.rounds ?? 3;
  const roundDurationS = options.roundDurationS ?? 5;
  const warmupS = options.warmupS ?? 1;
  const started: ServerProcess[] = [];
  try {
    const bare = await startServerProcess({
      entry: new URL('./bare-http-server.mjs', import.meta.url).pathname,
    });
    started.push(bare);
    let serviceUrl = options.url;
    if (serviceUrl === undefined) {
      const service = await startServerProcess({
        fromSource: options.fromSource ?? false,
        nodeArgs: options.serverNodeArgs ?? [],
        env: options.serverEnv ?? {},
      });
      started.push(service);
      serviceUrl = service.url;
    }
    const url = serviceUrl;
    const targets: Target[] = [
      {
        name: 'bare-node-http',
        url: bare.url,
        next: () => httpCallFor('rest', 'noop', issueShaped()),
      },
      { name: 'healthz', url, next: () => ({ method: 'GET', path: '/healthz' }) },
      { name: 'rest-noop', url, next: () => httpCallFor('rest', 'noop', issueShaped()) },
      {
        name: 'rest-issue',
        url,
        next: () => httpCallFor('rest', 'issue', { raffleId: 'main', ...issueShaped() }),
      },
      { name: 'trpc-noop', url, next: () => httpCallFor('trpc', 'noop', issueShaped()) },
      {
        name: 'trpc-issue',
        url,
        next: () => httpCallFor('trpc', 'issue', { raffleId: 'main', ...issueShaped() }),
      },
    ];
    const measure = (target: Target, durationS: number) =>
      drive({ url: target.url, connections, durationS, next: () => target.next() });

    if (warmupS > 0) {
      log(`warm-up: ${warmupS} s per target`);
      for (const target of targets) await measure(target, warmupS);
    }
    const samples = new Map<TargetName, { rates: number[]; last?: DriveResult; non2xx: number }>(
      targets.map((t) => [t.name, { rates: [], non2xx: 0 }]),
    );
    for (let round = 0; round < rounds; round += 1) {
      // Rotate the order each round, so no target always follows the same one.
      const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
      for (const target of order) {
        const result = await measure(target, roundDurationS);
        const sample = samples.get(target.name)!;
        sample.rates.push(result.requestsPerS);
        sample.last = result;
        sample.non2xx += Object.entries(result.statusCounts)
          .filter(([status]) => !status.startsWith('2'))
          .reduce((sum, [, n]) => sum + n, 0);
        log(
          `round ${round + 1}/${rounds} ${target.name.padEnd(14)} ${result.requestsPerS.toFixed(0).padStart(7)} req/s  ` +
            `p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms`,
        );
      }
    }

    const report = {} as OverheadReport['targets'];
    for (const [name, sample] of samples) {
      report[name] = {
        requestsPerS: sample.rates.map((r) => Math.round(r)),
        medianRequestsPerS: Math.round(median(sample.rates)),
        lastLatencyMs: sample.last!.latencyMs,
        non2xx: sample.non2xx,
      };
    }
    const rate = (name: TargetName) => report[name].medianRequestsPerS;
    const ratio = (a: TargetName, b: TargetName) => Math.round((rate(a) / rate(b)) * 1000) / 1000;
    const ratios: OverheadReport['ratios'] = {
      restIssueToRestNoop: ratio('rest-issue', 'rest-noop'),
      trpcIssueToTrpcNoop: ratio('trpc-issue', 'trpc-noop'),
      restNoopToBare: ratio('rest-noop', 'bare-node-http'),
      restIssueToBare: ratio('rest-issue', 'bare-node-http'),
      trpcNoopToBare: ratio('trpc-noop', 'bare-node-http'),
      trpcIssueToBare: ratio('trpc-issue', 'bare-node-http'),
      healthzToBare: ratio('healthz', 'bare-node-http'),
    };
    const belowTarget = (['restIssueToRestNoop', 'trpcIssueToTrpcNoop'] as const)
      .filter((key) => ratios[key] < issueToNoopTarget)
      .map((key) => `${key} ${ratios[key]} < ${issueToNoopTarget}`);
    return {
      startedAt: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      connections,
      pipelining: 1,
      rounds,
      roundDurationS,
      usernamePool,
      serverEnv: options.url === undefined ? (options.serverEnv ?? {}) : {},
      targets: report,
      ratios,
      belowTarget,
    };
  } finally {
    for (const server of started.reverse()) await server.stop();
  }
}

export function formatOverhead(report: OverheadReport): string {
  const lines = [
    `framework overhead: ${report.rounds} alternating rounds × ${report.roundDurationS} s per target, ` +
      `${report.connections} connections, pipelining 1, node ${report.node}, ${report.cpus} CPUs (load generator on the same machine)`,
    `service environment: ${
      Object.entries(report.serverEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'defaults'
    }`,
  ];
  const bare = report.targets['bare-node-http'].medianRequestsPerS;
  for (const [name, target] of Object.entries(report.targets)) {
    lines.push(
      `${name.padEnd(15)} ${String(target.medianRequestsPerS).padStart(7)} req/s median ` +
        `(${target.requestsPerS.join(', ')})  ${(target.medianRequestsPerS / bare).toFixed(3)} of bare` +
        (target.non2xx > 0 ? `  ${target.non2xx} non-2xx!` : ''),
    );
  }
  const r = report.ratios;
  lines.push(`REST issue / REST noop: ${r.restIssueToRestNoop} (target ≥ ${issueToNoopTarget})`);
  lines.push(`tRPC issue / tRPC noop: ${r.trpcIssueToTrpcNoop} (target ≥ ${issueToNoopTarget})`);
  return lines.join('\n');
}
