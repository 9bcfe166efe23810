/**
 * `npm run bench`: the ledger benchmark. For each size (10^4, 10^5, 10^6 by default; 10^7 with
 * `--max 7` or LEDGER_BENCH_MAX=7) it starts fresh child processes, one per target to measure
 * memory and one that times every operation on every target, then prints a table, writes every
 * figure to load/results/ledger-bench.json and draws load/results/ledger-bench.svg.
 *
 * Options: --max <4..7> (largest size as a power of ten), --reps <n> (timed repetitions,
 * default 5), --seed <uint32>, --out <dir> (default load/results). The children run this same
 * file with `--child ops|memory`; they are started with --expose-gc so each operation and each
 * memory reading starts after a full collection.
 */
import { spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  defaultBatch,
  measureMemory,
  naiveSizeMax,
  runOps,
  type MemoryResult,
  type OpResult,
} from './ledger-bench.js';
import { buildReport, formatTable } from './ledger-report.js';
import { renderChart } from './ledger-chart.js';
import { implNames, type ImplName } from './targets.js';

const here = fileURLToPath(import.meta.url);
const repoRoot = resolve(dirname(here), '..');

const { values: args } = parseArgs({
  options: {
    child: { type: 'string' },
    impl: { type: 'string' },
    impls: { type: 'string', default: implNames.join(',') },
    size: { type: 'string' },
    max: { type: 'string', default: process.env.LEDGER_BENCH_MAX ?? '6' },
    reps: { type: 'string', default: '5' },
    seed: { type: 'string', default: '20240917' },
    out: { type: 'string', default: join(repoRoot, 'load', 'results') },
  },
});

const reps = Number(args.reps);
const seed = Number(args.seed) >>> 0;

/** Each child prints exactly one JSON line last; anything else on stdout is ignored. */
function runChild(extra: string[]): unknown {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=12000', '--import', 'tsx', here, ...extra],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 2 ** 28 },
  );
  if (child.status !== 0) throw new Error(`child ${extra.join(' ')} exited with ${child.status}`);
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

function childMain(kind: string): void {
  const size = Number(args.size);
  if (kind === 'memory') {
    const impl = args.impl as ImplName;
    process.stdout.write(`${JSON.stringify(measureMemory(impl, size, seed))}\n`);
  } else {
    const impls = args.impls.split(',') as ImplName[];
    const results = runOps(size, { impls, reps, seed, batchFor: defaultBatch });
    if (process.stdout.isTTY) {
      for (const r of results)
        console.log(r.op.padEnd(14), r.impl.padEnd(9), Math.round(r.opsPerSec.median));
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
  }
}

function machine(): Record<string, string | number> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot })
      .toString()
      .trim();
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  return {
    cpu: model,
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit,
  };
}

async function parentMain(): Promise<void> {
  const maxExponent = Number(args.max);
  if (!(maxExponent >= 4 && maxExponent <= 7)) throw new Error('--max must be 4, 5, 6 or 7');
  const sizes = [4, 5, 6, 7].filter((e) => e <= maxExponent).map((e) => 10 ** e);
  const started = Date.now();
  const results: OpResult[] = [];
  const memory: MemoryResult[] = [];
  for (const size of sizes) {
    for (const impl of implNames) {
      if (impl === 'naive' && size > naiveSizeMax) continue;
      process.stderr.write(`memory ${impl} at ${size}…\n`);
      memory.push(
        runChild([
          '--child',
          'memory',
          '--impl',
          impl,
          '--size',
          `${size}`,
          '--seed',
          `${seed}`,
        ]) as MemoryResult,
      );
    }
    process.stderr.write(`operations at ${size}…\n`);
    results.push(
      ...(runChild([
        '--child',
        'ops',
        '--size',
        `${size}`,
        '--reps',
        `${reps}`,
        '--seed',
        `${seed}`,
      ]) as OpResult[]),
    );
  }
  const report = buildReport(
    {
      date: new Date().toISOString(),
      machine: machine(),
      seed,
      reps,
      warmupReps: 1,
      sizes,
      pageLimit: 100,
      statistic:
        'median of timed repetitions (min and max kept); opsPerSec uses process CPU time, opsPerWallSec the wall clock; ratios use the CPU-time medians',
      durationSec: (Date.now() - started) / 1000,
    },
    results,
    memory,
  );
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'ledger-bench.json'), `${JSON.stringify(report, null, 2)}\n`);
  const svg = await renderChart(
    results,
    `Ledger operations per second (median of ${reps}), Node ${process.version}, ${cpus().length} cores`,
  );
  writeFileSync(join(args.out, 'ledger-bench.svg'), svg);
  console.log(formatTable(report.results, report.ratios, report.memory));
  console.log('');
  for (const t of report.targets) {
    const verdict = t.met === undefined ? 'not measured' : t.met ? 'met' : 'NOT met';
    console.log(
      `${verdict.padEnd(12)} ${t.check}: ${t.value === undefined ? '—' : t.value.toPrecision(4)}`,
    );
  }
  console.log(
    `\nwrote ${join(args.out, 'ledger-bench.json')} and ledger-bench.svg in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

if (args.child !== undefined) childMain(args.child);
else await parentMain();
