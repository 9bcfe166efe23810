/**
 * `npm run profile`: where the service spends its CPU on single requests. Starts the built service
 * under `node --cpu-prof`, drives one operation at it (single REST issues by default), stops it so
 * that V8 writes the profile, and prints the self time of the profile grouped three ways: by
 * bucket (a package under node_modules, a directory of this service, Node's internals, GC), by
 * function, and as the CPU per request the profile accounts for.
 *
 *   npm run profile -- --operation issue --surface rest --duration 10
 *   npm run profile -- --surface trpc --out /tmp/profiles   (keeps the .cpuprofile for a viewer)
 *
 * The profiler's own cost inflates every figure a little (sampling every 100 µs by default), so
 * compare profiles with each other, and take throughput from `npm run load:overhead`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { drive } from './drive.js';
import { startServerProcess } from './server-process.js';
import { randomSingleCall, type RoutedOperation, type Surface } from './surfaces.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The bucket a frame's time is charged to: a package, a directory of the service, or V8's own. */
export function bucketOf(url: string, functionName: string): string {
  if (url === '') {
    return functionName.startsWith('(') ? functionName : `(native) ${functionName || 'anonymous'}`;
  }
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch !== null) return packageMatch[1] as string;
  if (url.startsWith('node:internal/')) {
    return `node:internal/${url.slice(14).split('/')[0] ?? ''}`.replace(/\.js$/, '');
  }
  if (url.startsWith('node:')) return url;
  const own = /\/dist\/(.+)\/[^/]+\.js$/.exec(url);
  if (own !== null) return `service ${own[1] as string}`;
  return url;
}

/** Self time in µs per key, largest first. */
export function selfTimes(
  profile: CpuProfile,
  keyOf: (node: ProfileNode) => string,
): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const node = byId.get(profile.samples[i] as number);
    if (node === undefined) continue;
    const key = keyOf(node);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

function table(rows: [string, number][], busyUs: number, perRequest: number, top: number): string {
  return rows
    .slice(0, top)
    .map(
      ([key, us]) =>
        `${((us / busyUs) * 100).toFixed(1).padStart(5)} %  ${(us / perRequest).toFixed(1).padStart(6)} µs/req  ${key}`,
    )
    .join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      operation: { type: 'string', default: 'issue' },
      surface: { type: 'string', default: 'rest' },
      duration: { type: 'string', default: '20' },
      connections: { type: 'string', default: '50' },
      top: { type: 'string', default: '25' },
      out: { type: 'string' },
      'server-env': { type: 'string', multiple: true },
    },
    strict: true,
  });
  const operation = values.operation as RoutedOperation;
  const surface = values.surface as Surface;
  const env: Record<string, string> = {};
  for (const pair of values['server-env'] ?? []) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const dir =
    values.out === undefined ? mkdtempSync(join(tmpdir(), 'raffle-prof-')) : resolve(values.out);
  const server = await startServerProcess({
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    env,
  });
  const next = () => randomSingleCall(surface, operation);
  // Warm up first so that the profile shows optimised code, as a long-running service runs.
  const warm = await drive({
    url: server.url,
    connections: Number(values.connections),
    durationS: 2,
    next,
  });
  const result = await drive({
    url: server.url,
    connections: Number(values.connections),
    durationS: Number(values.duration),
    next,
  });
  await server.stop({ graceMs: 30_000 });
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no profile written in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  if (values.out === undefined) rmSync(dir, { recursive: true, force: true });

  const buckets = selfTimes(profile, (n) => bucketOf(n.callFrame.url, n.callFrame.functionName));
  const idleUs = buckets.find(([key]) => key === '(idle)')?.[1] ?? 0;
  const totalUs = buckets.reduce((sum, [, us]) => sum + us, 0);
  const busyUs = totalUs - idleUs;
  // Requests answered over the whole profile: warm-up, measured window and their drains.
  const perRequest = warm.answered + result.answered;
  const functions = selfTimes(profile, (n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const where =
      url === '' ? '' : ` ${url.replace(/^.*(node_modules|dist)\//, '')}:${lineNumber + 1}`;
    return `${functionName || '(anonymous)'}${where}`;
  }).filter(([key]) => key !== '(idle)');
  console.log(
    `${surface} ${operation}: ${result.requestsPerS.toFixed(0)} req/s measured, status ${JSON.stringify(result.statusCounts)}`,
  );
  console.log(
    `main thread busy ${(busyUs / 1e6).toFixed(2)} s of ${(totalUs / 1e6).toFixed(2)} s profiled; ` +
      `≈ ${(busyUs / perRequest).toFixed(1)} µs of main-thread CPU per request (profiler included)`,
  );
  console.log(
    `\nby bucket (self time):\n${table(
      buckets.filter(([k]) => k !== '(idle)'),
      busyUs,
      perRequest,
      Number(values.top),
    )}`,
  );
  console.log(
    `\nby function (self time):\n${table(functions, busyUs, perRequest, Number(values.top))}`,
  );
  if (values.out !== undefined) console.log(`\nprofile kept: ${join(dir, file)}`);
}

await main();
