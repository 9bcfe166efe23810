/**
 * `npm run load:compare`: two builds of the service, loaded alternately with the same single
 * calls in one run, so that a change to the hot path is judged by a ratio measured under the same
 * conditions (the machine is shared, and absolute figures move by a third between runs). Each
 * round drives every operation at the baseline build and at this one, in an order that rotates
 * between rounds, and reads each process's CPU time from /proc around each drive.
 *
 *   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci && npm run build:server)
 *   npm run load:compare -- --baseline /tmp/base/dist/server/main.js --rounds 5
 *
 * Prints per operation the median requests/s and CPU µs per request of each build and the ratios
 * (this build over the baseline): below 1 for CPU, above 1 for throughput, is better.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRaffle, environmentOf, median } from './common.js';
import { drive, type PlannedCall } from './drive.js';
import { processCpuUs } from './overhead.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { httpCallFor, type Surface } from './surfaces.js';
import { randomInt } from '../k6/workload.js';

const usage = `usage: npm run load:compare -- --baseline <built entry> [options]
  --baseline <file>     the other build's entry (its dist/server/main.js)
  --rounds <n>          alternating rounds (default 5)
  --round <s>           seconds per drive (default 4)
  --connections <n>     concurrent connections (default 50)
  --node-args=<args>    node options for this build only (e.g. --node-args=--max-semi-space-size=64),
                        to weigh a runtime setting: give the same entry as --baseline
  --env KEY=VALUE       environment of this build only, repeatable (e.g. --env UV_USE_IO_URING=1),
                        likewise`;

interface Build {
  name: 'baseline' | 'this';
  process: ServerProcess;
  raffleId: string;
}

const operations: { name: string; surface: Surface; operation: 'issue' | 'noop' }[] = [
  { name: 'rest-issue', surface: 'rest', operation: 'issue' },
  { name: 'trpc-issue', surface: 'trpc', operation: 'issue' },
  { name: 'rest-noop', surface: 'rest', operation: 'noop' },
];

function callFor(build: Build, surface: Surface, operation: 'issue' | 'noop'): () => PlannedCall {
  return () => {
    const input = { username: `u${randomInt(0, 999)}`, count: randomInt(1, 9) };
    return httpCallFor(
      surface,
      operation,
      operation === 'issue' ? { raffleId: build.raffleId, ...input } : input,
    );
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      baseline: { type: 'string' },
      rounds: { type: 'string', default: '5' },
      round: { type: 'string', default: '4' },
      connections: { type: 'string', default: '50' },
      'node-args': { type: 'string', default: '' },
      env: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || values.baseline === undefined) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const rounds = Number(values.rounds);
  const durationS = Number(values.round);
  const connections = Number(values.connections);
  let env: Record<string, string>;
  try {
    env = environmentOf(values.env, '--env');
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const started: ServerProcess[] = [];
  try {
    const builds: Build[] = [];
    for (const [name, entry] of [
      // Absolute: the service runs in a temporary directory of its own.
      ['baseline', resolve(values.baseline)],
      ['this', undefined],
    ] as const) {
      const nodeArgs = name === 'this' ? values['node-args'].split(/\s+/).filter(Boolean) : [];
      const process = await startServerProcess({
        entry,
        nodeArgs,
        ...(name === 'this' ? { env } : {}),
      });
      started.push(process);
      builds.push({ name, process, raffleId: await createRaffle(process.url, `compare ${name}`) });
    }
    const samples = new Map<string, { rate: number[]; cpu: number[] }>();
    const drives = builds.flatMap((build) => operations.map((op) => ({ build, op })));
    for (let round = -1; round < rounds; round += 1) {
      const order = drives.map((_, i) => drives[(i + Math.max(round, 0)) % drives.length]!);
      for (const { build, op } of order) {
        const pid = build.process.pid;
        const before = processCpuUs(pid) ?? 0;
        const result = await drive({
          url: build.process.url,
          connections,
          durationS: round < 0 ? 1 : durationS,
          next: callFor(build, op.surface, op.operation),
        });
        const cpu = ((processCpuUs(pid) ?? 0) - before) / Math.max(1, result.answered);
        if (round < 0) continue; // warm-up
        const key = `${op.name} ${build.name}`;
        const sample = samples.get(key) ?? { rate: [], cpu: [] };
        sample.rate.push(result.requestsPerS);
        sample.cpu.push(cpu);
        samples.set(key, sample);
      }
      if (round >= 0) console.log(`round ${round + 1}/${rounds} done`);
    }
    console.log(`${rounds} rounds × ${durationS} s, ${connections} connections, same run`);
    // Each round's own ratio as well: the spread of the paired ratios says how far the median
    // ratio can be trusted on a machine that drifts between rounds.
    console.log(
      'operation      baseline req/s  µs/req   this req/s  µs/req   ×req/s  ×CPU  (×CPU by round)',
    );
    for (const op of operations) {
      const base = samples.get(`${op.name} baseline`)!;
      const mine = samples.get(`${op.name} this`)!;
      const [br, bc, mr, mc] = [
        median(base.rate),
        median(base.cpu),
        median(mine.rate),
        median(mine.cpu),
      ];
      console.log(
        `${op.name.padEnd(14)} ${br.toFixed(0).padStart(14)} ${bc.toFixed(1).padStart(7)} ` +
          `${mr.toFixed(0).padStart(12)} ${mc.toFixed(1).padStart(7)} ` +
          `${(mr / br).toFixed(2).padStart(8)} ${(mc / bc).toFixed(2).padStart(5)}  ` +
          `(${mine.cpu.map((cpu, r) => (cpu / (base.cpu[r] as number)).toFixed(2)).join(', ')})`,
      );
    }
    return 0;
  } finally {
    for (const process of started) await process.stop();
  }
}

process.exitCode = await main();
