/**
 * `npm run load`: the Node load runner. Starts the service as a separate process (or uses
 * `--url`), drives a scenario against it with autocannon, prints a table per operation, checks
 * the raffle's invariants through the API and exits non-zero if any check failed or the service
 * answered 5xx.
 *
 *   npm run load -- --scenario mixed --surface trpc --duration 20 --connections 64
 *   npm run load -- --peak-fraction 0.8 --baseline
 *   npm run load -- --scenario bulk --items 1000 --json load/results/bulk.json
 *   npm run load:overhead
 *
 * Exit codes: 0 passed (or skipped), 1 a check failed, 2 bad arguments.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runBulk } from './bulk.js';
import { environmentOf } from './common.js';
import { runMixed } from './mixed.js';
import { formatOverhead, overheadFailures, runOverhead } from './overhead.js';
import {
  formatBaseline,
  formatRun,
  totalPerS,
  type HeldBaseline,
  type RunReport,
} from './report.js';
import {
  bareServerEntry,
  repositoryRoot,
  startServerProcess,
  type ServerProcess,
} from './server-process.js';

/** Seconds of the unmeasured run before a held rate, while the service's code warms up. */
const warmUpS = 3;

const usage = `usage: npm run load -- [options]
  --scenario mixed|bulk|overhead   workload (default mixed)
  --surface rest|trpc              REST under /api or tRPC under /trpc (default rest; not for overhead)
  --duration <s>                   measured seconds (default 10)
  --connections <n>                concurrent connections, split between operations (default 50)
  --items <n>                      bulk: items per request (default 1000)
  --rate <n>                       mixed: hold the run to n requests/s over all operations, evenly
                                   spaced (open loop; latency from when each request was due),
                                   after a ${warmUpS} s warm-up at that rate
  --peak-fraction <f>              mixed: run unbounded first, then again at f × its total rate
                                   (e.g. 0.8: the latency at 80 % of the peak)
  --baseline                       with --rate or --peak-fraction: then hold the bare node:http
                                   server to the same rate, and to the same fraction of its own
                                   peak, with the same requests; print the latencies side by side
  --rounds <n>, --round <s>        overhead: alternating rounds and seconds per round (default 3 × 5)
  --url <base>                     use a running service instead of starting one
  --json <file>                    also write the results as JSON
                                   (overhead default: load/results/overhead.json)
  --entry <file>                   overhead: run this built entry instead of dist/server/main.js
                                   (another build of the service, to compare two versions)
  --cpu-prof <dir>                 profile the started service (node --cpu-prof) into <dir>
  --server-env KEY=VALUE           environment of the started service, repeatable
                                   (e.g. DURABILITY=none; by default the service's own defaults)
  --help`;

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number: ${text}`);
  return value;
}

function writeJson(file: string, data: unknown): void {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  console.log(`results written to ${path}`);
}

/**
 * The mixed scenario at a held rate, or at a fraction of the peak it reaches unbounded: the peak
 * run (or, for a rate given outright, a short run at that rate) is printed first, then the held
 * run is the one reported. Either first run leaves the service's code compiled: a held run on a
 * cold service measures the compiler for its first second or two.
 */
async function runMixedAt(
  options: Parameters<typeof runMixed>[0],
  rate: number | undefined,
  peakFraction: number | undefined,
): Promise<{ held: RunReport; peakPerS?: number }> {
  if (peakFraction === undefined) {
    if (rate === undefined) return { held: await runMixed(options) };
    const warm = await runMixed({ ...options, durationS: warmUpS, ratePerS: rate });
    console.log(`warm-up run (${warmUpS} s, not reported):\n${formatRun(warm)}\n`);
    const held = await runMixed({ ...options, ratePerS: rate });
    if (warm.failures.length > 0) held.failures.push(...warm.failures.map((f) => `warm-up: ${f}`));
    return { held };
  }
  const peak = await runMixed(options);
  console.log(`peak run (unbounded):\n${formatRun(peak)}\n`);
  const peakPerS = totalPerS(peak);
  const held = await runMixed({ ...options, ratePerS: peakPerS * peakFraction });
  if (peak.failures.length > 0) held.failures.push(...peak.failures.map((f) => `peak run: ${f}`));
  return { held, peakPerS };
}

/**
 * The held workload against the bare node:http server, started for it: at the service's rate,
 * then at the same fraction of the bare server's own peak. Its failures become the held run's.
 */
async function runBaseline(
  options: Omit<Parameters<typeof runMixed>[0], 'baseUrl'>,
  held: RunReport,
  peakFraction: number | undefined,
): Promise<HeldBaseline> {
  const bare = await startServerProcess({ entry: bareServerEntry });
  try {
    const base = { ...options, baseUrl: bare.url, bare: true };
    console.log(`bare node:http server started: ${bare.url} (pid ${bare.pid})`);
    const sameRate = (await runMixedAt(base, held.ratePerS, undefined)).held;
    console.log(`bare server at the service's rate:\n${formatRun(sameRate)}\n`);
    const baseline: HeldBaseline = { sameRate };
    if (peakFraction !== undefined) {
      const { held: run, peakPerS } = await runMixedAt(base, undefined, peakFraction);
      console.log(`bare server at the same fraction of its peak:\n${formatRun(run)}\n`);
      baseline.sameFraction = { fraction: peakFraction, peakPerS: peakPerS ?? 0, run };
    }
    for (const run of [baseline.sameRate, baseline.sameFraction?.run]) {
      for (const failure of run?.failures ?? []) held.failures.push(`bare server: ${failure}`);
    }
    return baseline;
  } finally {
    await bare.stop();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'mixed' },
      surface: { type: 'string', default: 'rest' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      items: { type: 'string' },
      rate: { type: 'string' },
      'peak-fraction': { type: 'string' },
      rounds: { type: 'string' },
      round: { type: 'string' },
      url: { type: 'string' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      entry: { type: 'string' },
      'server-env': { type: 'string', multiple: true },
      baseline: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const scenario = values.scenario;
  const surface = values.surface;
  if (scenario !== 'mixed' && scenario !== 'bulk' && scenario !== 'overhead') {
    fail(`unknown --scenario ${scenario}`);
  }
  if (surface !== 'rest' && surface !== 'trpc') fail(`unknown --surface ${surface}`);
  const connections = Math.round(positive('connections', values.connections, 50));
  const durationS = positive('duration', values.duration, 10);
  const cpuProfile = values['cpu-prof'];
  let serverEnv: Record<string, string> = {};
  try {
    serverEnv = environmentOf(values['server-env'] ?? [], '--server-env');
  } catch (error) {
    fail((error as Error).message);
  }
  const rate = values.rate === undefined ? undefined : positive('rate', values.rate, 1);
  const peakFraction =
    values['peak-fraction'] === undefined
      ? undefined
      : positive('peak-fraction', values['peak-fraction'], 1);
  if (
    values.baseline &&
    (scenario !== 'mixed' || (rate === undefined && peakFraction === undefined))
  )
    fail('--baseline needs the mixed scenario with --rate or --peak-fraction');
  const serverNodeArgs =
    cpuProfile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfile)}`];

  if (scenario === 'overhead') {
    const report = await runOverhead({
      url: values.url,
      connections,
      rounds: Math.round(positive('rounds', values.rounds, 3)),
      roundDurationS: positive('round', values.round, 5),
      serverNodeArgs,
      serverEnv,
      serverEntry: values.entry === undefined ? undefined : resolve(values.entry),
      log: (line) => console.log(line),
    });
    console.log(formatOverhead(report));
    writeJson(values.json ?? resolve(repositoryRoot, 'load/results/overhead.json'), report);
    const failures = overheadFailures(report);
    for (const failure of failures) console.error(failure);
    return failures.length > 0 ? 1 : 0;
  }

  let server: ServerProcess | undefined;
  let baseUrl = values.url?.replace(/\/+$/, '');
  if (baseUrl === undefined) {
    server = await startServerProcess({ nodeArgs: serverNodeArgs, env: serverEnv });
    baseUrl = server.url;
    console.log(`service started: ${baseUrl} (pid ${server.pid})`);
  }
  let report: RunReport;
  try {
    report =
      scenario === 'bulk'
        ? await runBulk({
            baseUrl,
            surface,
            durationS,
            connections,
            itemsPerRequest: Math.round(positive('items', values.items, 1000)),
          })
        : (await runMixedAt({ baseUrl, surface, durationS, connections }, rate, peakFraction)).held;
  } catch (error) {
    const status = server?.status();
    if (status !== undefined && status.exitCode !== null) {
      console.error(
        `the service exited with code ${status.exitCode} during the run:\n${status.stderr}`,
      );
    }
    throw error;
  } finally {
    if (server !== undefined) {
      const code = await server.stop({ keepWorkDir: false });
      if (code !== 0) console.error(`the service exited with code ${code}`);
    }
  }
  if (values.baseline) {
    console.log(`service:\n${formatRun(report)}\n`);
    report.baseline = await runBaseline({ surface, durationS, connections }, report, peakFraction);
    console.log(formatBaseline(report, report.baseline));
    console.log(
      report.failures.length === 0
        ? 'result: passed'
        : `result: FAILED\n  - ${report.failures.join('\n  - ')}`,
    );
  } else {
    console.log(formatRun(report));
  }
  if (values.json !== undefined) writeJson(values.json, report);
  return report.failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
