/**
 * `npm run profile:gc`: what the garbage collector and the threads cost per single request, for
 * the service and for the bare node:http server in the same run. Each is started under V8's
 * `--trace-gc-nvp` (one line of name=value pairs per collection on stdout); the runner drives
 * single calls at each in turn, and over each measured round sums the collections' lines and
 * reads each thread's CPU time from `/proc` (Linux only).
 *
 *   npm run profile:gc -- --operation issue --surface rest --duration 8 --rounds 2
 *   npm run profile:gc -- --entry other/dist/server/main.js   (another build)
 *   npm run profile:gc -- --baseline other/dist/server/main.js   (both builds, in turn, one run)
 *
 * Per request it prints the bytes allocated in the young generation, the bytes that survived a
 * scavenge and the bytes promoted to the old generation, the scavenges' pause on the main thread
 * and their parallel work on V8's helper threads, the mark-compact pauses, and CPU split between
 * the main thread and the others (V8's helpers, libuv's pool where the fsyncs run). A request
 * answered synchronously leaves nothing alive at a scavenge; one that waits (for its body, for
 * the journal's fsync) keeps its whole object graph alive across it, and that is what the
 * scavenges copy. The trace's own cost is small (one line per collection).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { drive } from './drive.js';
import { repositoryRoot, startServerProcess, type ServerProcess } from './server-process.js';
import { randomSingleCall, type RoutedOperation, type Surface } from './surfaces.js';

/** CPU time of each thread of `pid`, in microseconds, by thread id. */
function threadCpuUs(pid: number): Map<string, number> {
  const times = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The fields after the command name (which may hold spaces) start with the state.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(tid, (Number(fields[11]) + Number(fields[12])) * 10_000);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return times;
}

/** The sum of `key` over the trace lines of collections of type `gc` (`s`, `mc`, …). */
function sumOf(lines: readonly string[], gc: string, key: string): number {
  let sum = 0;
  for (const line of lines) {
    if (!line.includes(` gc=${gc} `)) continue;
    const match = new RegExp(` ${key.replace(/\./g, '\\.')}=([\\d.]+)`).exec(line);
    if (match !== null) sum += Number(match[1]);
  }
  return sum;
}

interface Target {
  name: string;
  server: ServerProcess;
  lines: string[];
  rounds: Record<string, number>[];
}

async function start(name: string, entry: string | undefined): Promise<Target> {
  const target: Target = { name, lines: [], rounds: [], server: undefined as never };
  let pending = '';
  target.server = await startServerProcess({
    entry,
    nodeArgs: ['--trace-gc-nvp'],
    onStdout: (chunk) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) if (line.includes(' pause=')) target.lines.push(line);
    },
  });
  return target;
}

async function measure(target: Target, drivenFor: number, next: () => never): Promise<void> {
  const { pid, url } = target.server;
  target.lines.length = 0;
  const before = threadCpuUs(pid);
  const result = await drive({ url, connections: 50, durationS: drivenFor, next });
  const after = threadCpuUs(pid);
  const lines = [...target.lines];
  const n = result.answered;
  let mainUs = 0;
  let otherUs = 0;
  for (const [tid, us] of after) {
    const spent = us - (before.get(tid) ?? 0);
    if (tid === String(pid)) mainUs += spent;
    else otherUs += spent;
  }
  target.rounds.push({
    'req/s': result.requestsPerS,
    'CPU µs/req, main thread': mainUs / n,
    'CPU µs/req, other threads': otherUs / n,
    'CPU µs/req, all': (mainUs + otherUs) / n,
    'scavenges per 1000 req': (lines.filter((l) => l.includes(' gc=s ')).length * 1000) / n,
    'allocated B/req': sumOf(lines, 's', 'allocated') / n,
    'survived B/req': sumOf(lines, 's', 'new_space_survived') / n,
    'promoted B/req': sumOf(lines, 's', 'promoted') / n,
    'scavenge pause µs/req': (sumOf(lines, 's', 'pause') * 1000) / n,
    'scavenge helpers µs/req': (sumOf(lines, 's', 'background.scavenge.parallel') * 1000) / n,
    'mark-compact pause µs/req': (sumOf(lines, 'mc', 'pause') * 1000) / n,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      operation: { type: 'string', default: 'issue' },
      surface: { type: 'string', default: 'rest' },
      duration: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '2' },
      entry: { type: 'string' },
      baseline: { type: 'string' },
    },
    strict: true,
  });
  const operation = values.operation as RoutedOperation;
  const surface = values.surface as Surface;
  const next = () => randomSingleCall(surface, operation) as never;
  const bareEntry = join(repositoryRoot, 'load/runner/bare-http-server.mjs');
  const targets = [await start('bare node:http', bareEntry)];
  if (values.baseline !== undefined) {
    targets.push(await start('baseline', resolve(values.baseline)));
  }
  targets.push(
    await start('service', values.entry === undefined ? undefined : resolve(values.entry)),
  );
  try {
    for (const target of targets) {
      await drive({ url: target.server.url, connections: 50, durationS: 2, next });
    }
    for (let round = 0; round < Number(values.rounds); round += 1) {
      for (const target of targets) await measure(target, Number(values.duration), next);
    }
  } finally {
    await Promise.all(targets.map((target) => target.server.stop({ graceMs: 30_000 })));
  }
  console.log(`${surface} ${operation}, 50 connections, medians of ${values.rounds} rounds`);
  const keys = Object.keys(targets[0]?.rounds[0] ?? {});
  console.log(`${''.padEnd(28)}${targets.map((t) => t.name.padStart(16)).join('')}`);
  for (const key of keys) {
    const cells = targets.map((t) => median(t.rounds.map((r) => r[key] as number)));
    console.log(`${key.padEnd(28)}${cells.map((v) => v.toFixed(1).padStart(16)).join('')}`);
  }
}

await main();
