/**
 * What the framework costs: the throughput and the server CPU per request of single issues and
 * transfers and of the no-op procedure (same input, same validation, no engine), on REST and on
 * tRPC, beside a bare node:http server and `/healthz`, each also as a ratio to the bare server
 * measured in the same run.
 *
 * CPU per request is the service process's user + system time (all its threads, from
 * `/proc/<pid>/stat`) over a target's window, divided by the requests answered in it: a shared
 * machine slows every target, but what a request costs the server moves much less than its
 * throughput. After the rounds, the issues' raffle must hold exactly the tickets of the issues
 * answered 200, and the transfers' raffle exactly what was issued to it before (transfers only
 * move tickets); a run that breaks either fails.
 *
 * Machines drift (CPU frequency, other processes), so the targets are measured in alternating
 * rounds within one run — round 1 of every target, then round 2, … — each round in a different
 * order, and each target's median over its rounds is reported. A short warm-up pass lets V8
 * optimise each path first. The load generator shares the machine with the server: on a small
 * machine its own CPU use caps the bare server's figure, which then understates the gap.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createRaffle, median } from './common.js';
import { checkRaffleInvariants, type InvariantReport } from './invariants.js';
import { drive, type DriveResult } from './drive.js';
import { bareServerEntry, startServerProcess, type ServerProcess } from './server-process.js';
import type { PlannedCall } from './drive.js';
import { httpCallFor } from './surfaces.js';
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
  /** A built entry of the service other than this repository's `dist/server/main.js`. */
  serverEntry?: string | undefined;
  /** Run the service from its TypeScript sources (tests). */
  fromSource?: boolean;
  log?: (line: string) => void;
}

type TargetName =
  | 'bare-node-http'
  | 'healthz'
  | 'rest-noop'
  | 'rest-issue'
  | 'rest-transfer'
  | 'trpc-noop'
  | 'trpc-issue'
  | 'trpc-transfer';

interface Target {
  name: TargetName;
  url: string;
  /** The process serving it, for its CPU time (absent for a service given by `--url`). */
  pid: number | undefined;
  next: () => PlannedCall;
}

/** User + system CPU time of a process and all its threads, in µs (Linux `/proc`). */
export function processCpuUs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1e6) / clockTicksPerS;
  } catch {
    return undefined;
  }
}

/** `getconf CLK_TCK`: 100 on every Linux this runs on. */
const clockTicksPerS = 100;

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
  /** The machine's load average (1, 5, 15 min) at the start and at the end of the run. */
  loadAverage: { start: number[]; end: number[] };
  targets: Record<
    TargetName,
    {
      requestsPerS: number[];
      medianRequestsPerS: number;
      /** Server CPU per answered request, per round (µs); empty when the pid is unknown. */
      cpuUsPerRequest: number[];
      medianCpuUsPerRequest: number | undefined;
      /** Median over the rounds of each round's percentile. */
      p50Ms: number;
      p99Ms: number;
      lastLatencyMs: DriveResult['latencyMs'];
      non2xx: number;
      /** Answers with a status the target does not expect (a transfer may be refused 409). */
      unexpected: number;
    }
  >;
  /** Per target: its requests/s over the bare server's, and its CPU per request over the bare's. */
  toBare: Record<TargetName, { throughput: number; cpu: number | undefined }>;
  /** The ticket accounts of the issue and transfer raffles, checked through the API. */
  ledger: {
    issueRaffle: InvariantReport;
    issuedTickets: number;
    acknowledgedIssues: number;
    transferRaffle: InvariantReport;
    seededTickets: number;
  };
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

/** Participants of the transfers' raffle, each seeded with `transferSeedEach` tickets. */
const transferPool = 200;
const transferSeedEach = 1_000_000;

function statusOk(status: number): boolean {
  return status >= 200 && status < 300;
}

export async function runOverhead(options: OverheadOptions = {}): Promise<OverheadReport> {
  const log = options.log ?? (() => undefined);
  const connections = options.connections ?? 50;
  const rounds = options.rounds ?? 3;
  const roundDurationS = options.roundDurationS ?? 5;
  const warmupS = options.warmupS ?? 1;
  const started: ServerProcess[] = [];
  const loadAtStart = loadavg().map((n) => Math.round(n * 100) / 100);
  try {
    const bare = await startServerProcess({ entry: bareServerEntry });
    started.push(bare);
    let serviceUrl = options.url;
    let servicePid: number | undefined;
    if (serviceUrl === undefined) {
      const service = await startServerProcess({
        fromSource: options.fromSource ?? false,
        entry: options.serverEntry,
        nodeArgs: options.serverNodeArgs ?? [],
        env: options.serverEnv ?? {},
      });
      started.push(service);
      serviceUrl = service.url;
      servicePid = service.pid;
    }
    const url = serviceUrl;

    // Raffles of this run: issues go to one (its total is then exactly what was acknowledged),
    // transfers move tickets inside another, seeded so that no donor runs dry.
    const issueRaffle = await createRaffle(url, 'overhead issues');
    const transferRaffle = await createRaffle(url, 'overhead transfers');
    await seedTransfers(url, transferRaffle);
    let issuedTickets = 0;
    let acknowledgedIssues = 0;
    const issueCall = (surface: 'rest' | 'trpc') => (): PlannedCall => {
      const input = { raffleId: issueRaffle, ...issueShaped() };
      return {
        ...httpCallFor(surface, 'issue', input),
        onAnswer: (status) => {
          if (status !== 200) return;
          acknowledgedIssues += 1;
          issuedTickets += input.count;
        },
      };
    };
    const transferCall = (surface: 'rest' | 'trpc') => (): PlannedCall => {
      const from = randomInt(0, transferPool - 1);
      const to = (from + randomInt(1, transferPool - 1)) % transferPool;
      return httpCallFor(surface, 'transfer', {
        raffleId: transferRaffle,
        from: `t${from}`,
        to: `t${to}`,
        count: 1,
      });
    };
    const targets: Target[] = [
      {
        name: 'bare-node-http',
        url: bare.url,
        pid: bare.pid,
        next: () => httpCallFor('rest', 'noop', issueShaped()),
      },
      {
        name: 'healthz',
        url,
        pid: servicePid,
        next: () => ({ method: 'GET', path: '/healthz' }),
      },
      {
        name: 'rest-noop',
        url,
        pid: servicePid,
        next: () => httpCallFor('rest', 'noop', issueShaped()),
      },
      { name: 'rest-issue', url, pid: servicePid, next: issueCall('rest') },
      { name: 'rest-transfer', url, pid: servicePid, next: transferCall('rest') },
      {
        name: 'trpc-noop',
        url,
        pid: servicePid,
        next: () => httpCallFor('trpc', 'noop', issueShaped()),
      },
      { name: 'trpc-issue', url, pid: servicePid, next: issueCall('trpc') },
      { name: 'trpc-transfer', url, pid: servicePid, next: transferCall('trpc') },
    ];
    const measure = async (target: Target, durationS: number) => {
      const cpuBefore = target.pid === undefined ? undefined : processCpuUs(target.pid);
      const result = await drive({ url: target.url, connections, durationS, next: target.next });
      const cpuAfter = target.pid === undefined ? undefined : processCpuUs(target.pid);
      const cpuUs =
        cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      // The drain's few uncounted /healthz requests are left in: at most one per connection.
      const cpuUsPerRequest =
        cpuUs === undefined || result.answered === 0 ? undefined : cpuUs / result.answered;
      return { result, cpuUsPerRequest };
    };

    if (warmupS > 0) {
      log(`warm-up: ${warmupS} s per target`);
      for (const target of targets) await measure(target, warmupS);
    }
    interface Sample {
      rates: number[];
      cpu: number[];
      p50: number[];
      p99: number[];
      last?: DriveResult;
      non2xx: number;
      unexpected: number;
    }
    const samples = new Map<TargetName, Sample>(
      targets.map((t) => [
        t.name,
        { rates: [], cpu: [], p50: [], p99: [], non2xx: 0, unexpected: 0 },
      ]),
    );
    for (let round = 0; round < rounds; round += 1) {
      // Rotate the order each round, so no target always follows the same one.
      const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
      for (const target of order) {
        const { result, cpuUsPerRequest } = await measure(target, roundDurationS);
        const sample = samples.get(target.name)!;
        sample.rates.push(result.requestsPerS);
        if (cpuUsPerRequest !== undefined) sample.cpu.push(cpuUsPerRequest);
        sample.p50.push(result.latencyMs.p50);
        sample.p99.push(result.latencyMs.p99);
        sample.last = result;
        for (const [status, n] of Object.entries(result.statusCounts)) {
          if (statusOk(Number(status))) continue;
          sample.non2xx += n;
          // A transfer refused for want of tickets is an outcome, not a failure; it cannot
          // happen with the seeded balances, so it is counted all the same.
          sample.unexpected += n;
        }
        log(
          `round ${round + 1}/${rounds} ${target.name.padEnd(14)} ${result.requestsPerS.toFixed(0).padStart(7)} req/s  ` +
            `${cpuUsPerRequest === undefined ? '' : `${cpuUsPerRequest.toFixed(1).padStart(6)} µs CPU/req  `}` +
            `p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms`,
        );
      }
    }

    const report = {} as OverheadReport['targets'];
    for (const [name, sample] of samples) {
      report[name] = {
        requestsPerS: sample.rates.map((r) => Math.round(r)),
        medianRequestsPerS: Math.round(median(sample.rates)),
        cpuUsPerRequest: sample.cpu.map((c) => Math.round(c * 10) / 10),
        medianCpuUsPerRequest:
          sample.cpu.length === 0 ? undefined : Math.round(median(sample.cpu) * 10) / 10,
        p50Ms: Math.round(median(sample.p50) * 100) / 100,
        p99Ms: Math.round(median(sample.p99) * 100) / 100,
        lastLatencyMs: sample.last!.latencyMs,
        non2xx: sample.non2xx,
        unexpected: sample.unexpected,
      };
    }
    const rate = (name: TargetName) => report[name].medianRequestsPerS;
    const ratio = (a: TargetName, b: TargetName) => Math.round((rate(a) / rate(b)) * 1000) / 1000;
    const bareCpu = report['bare-node-http'].medianCpuUsPerRequest;
    const toBare = {} as OverheadReport['toBare'];
    for (const name of Object.keys(report) as TargetName[]) {
      const cpu = report[name].medianCpuUsPerRequest;
      toBare[name] = {
        throughput: ratio(name, 'bare-node-http'),
        cpu:
          cpu === undefined || bareCpu === undefined
            ? undefined
            : Math.round((cpu / bareCpu) * 100) / 100,
      };
    }
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
    const ledger = {
      issueRaffle: await checkRaffleInvariants({
        baseUrl: url,
        raffleId: issueRaffle,
        expected: { totalTickets: issuedTickets, drawCount: 0 },
      }),
      issuedTickets,
      acknowledgedIssues,
      transferRaffle: await checkRaffleInvariants({
        baseUrl: url,
        raffleId: transferRaffle,
        expected: { totalTickets: transferPool * transferSeedEach, drawCount: 0 },
      }),
      seededTickets: transferPool * transferSeedEach,
    };
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
      loadAverage: { start: loadAtStart, end: loadavg().map((n) => Math.round(n * 100) / 100) },
      targets: report,
      toBare,
      ledger,
      ratios,
      belowTarget,
    };
  } finally {
    for (const server of started.reverse()) await server.stop();
  }
}

/** Gives each participant of the transfers' raffle its tickets, in one bulk issue. */
async function seedTransfers(url: string, raffleId: string): Promise<void> {
  const items = Array.from({ length: transferPool }, (_, i) => ({
    username: `t${i}`,
    count: transferSeedEach,
  }));
  const response = await fetch(`${url}/api/raffles/${encodeURIComponent(raffleId)}/tickets/bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items }),
  });
  if (response.status !== 200) {
    throw new Error(
      `could not seed the transfers' raffle: ${response.status} ${await response.text()}`,
    );
  }
}

/** Why an overhead run fails: unexpected answers, or ticket accounts that do not add up. */
export function overheadFailures(report: OverheadReport): string[] {
  const failures: string[] = [];
  for (const [name, target] of Object.entries(report.targets)) {
    if (target.unexpected > 0) failures.push(`${name}: ${target.unexpected} non-2xx answers`);
  }
  for (const check of [report.ledger.issueRaffle, report.ledger.transferRaffle]) {
    for (const problem of check.problems) failures.push(`raffle ${check.raffleId}: ${problem}`);
  }
  return failures;
}

export function formatOverhead(report: OverheadReport): string {
  const lines = [
    `framework overhead: ${report.rounds} alternating rounds × ${report.roundDurationS} s per target, ` +
      `${report.connections} connections, pipelining 1, node ${report.node}, ${report.cpus} CPUs (load generator on the same machine)`,
    `load average at start ${report.loadAverage.start.join(' ')}, at end ${report.loadAverage.end.join(' ')}`,
    `service environment: ${
      Object.entries(report.serverEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'defaults'
    }`,
    `${'target'.padEnd(15)} ${'req/s'.padStart(7)} ${'×bare'.padStart(6)} ${'CPU µs/req'.padStart(10)} ${'×bare'.padStart(6)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}   (rounds: req/s; CPU µs/req)`,
  ];
  for (const [name, target] of Object.entries(report.targets)) {
    const ratio = report.toBare[name as TargetName];
    lines.push(
      `${name.padEnd(15)} ${String(target.medianRequestsPerS).padStart(7)} ${ratio.throughput.toFixed(3).padStart(6)} ` +
        `${(target.medianCpuUsPerRequest?.toFixed(1) ?? '-').padStart(10)} ${(ratio.cpu?.toFixed(2) ?? '-').padStart(6)} ` +
        `${target.p50Ms.toFixed(2).padStart(7)} ${target.p99Ms.toFixed(2).padStart(7)}   ` +
        `(${target.requestsPerS.join(', ')}; ${target.cpuUsPerRequest.join(', ')})` +
        (target.non2xx > 0 ? `  ${target.non2xx} non-2xx!` : ''),
    );
  }
  const r = report.ratios;
  lines.push(`REST issue / REST noop: ${r.restIssueToRestNoop} (target ≥ ${issueToNoopTarget})`);
  lines.push(`tRPC issue / tRPC noop: ${r.trpcIssueToTrpcNoop} (target ≥ ${issueToNoopTarget})`);
  const { ledger } = report;
  lines.push(
    `ledger: ${ledger.acknowledgedIssues} issues acknowledged for ${ledger.issuedTickets} tickets; ` +
      `issue raffle total ${ledger.issueRaffle.figures?.totalTickets ?? '?'} (${ledger.issueRaffle.ok ? 'ok' : ledger.issueRaffle.problems.join('; ')}); ` +
      `transfer raffle total ${ledger.transferRaffle.figures?.totalTickets ?? '?'} of ${ledger.seededTickets} seeded (${ledger.transferRaffle.ok ? 'ok' : ledger.transferRaffle.problems.join('; ')})`,
  );
  return lines.join('\n');
}
