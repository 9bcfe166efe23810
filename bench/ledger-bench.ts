/**
 * The ledger benchmark's measuring code, kept apart from the command line (bench/ledger.ts) so
 * the smoke test can run it in process at a tiny size.
 *
 * Method: every target is built with the same participants, then each operation runs in batches
 * of pre-generated inputs (fixed seed), one warm-up batch and `reps` timed batches per target,
 * the targets taking turns within each repetition (in a rotating order) so that a noisy moment
 * on the shared machine hits all of them alike. After a batch, untimed, what it changed in the
 * participant count is undone (newcomers leave, drawn tickets go back), so every repetition sees
 * the same size. A figure is the median of the repetitions, with their min and max beside it.
 * Each batch is timed twice: by the wall clock and by the CPU time the process used
 * (`process.cpuUsage`, user + system, all threads). On a shared machine the wall clock also counts
 * the time spent waiting for a core, so the CPU-time rate is the headline figure and the
 * wall-clock rate is kept beside it; on an idle machine the two agree.
 * Memory is measured per target and size in a fresh process: RSS and heap (V8 heap plus typed
 * array buffers) after a forced GC, before and after building.
 */
import { performance } from 'node:perf_hooks';
import {
  createTarget,
  initialWeights,
  makeInputs,
  opNames,
  type BenchTarget,
  type ImplName,
  type OpInputs,
  type OpName,
} from './targets.js';

export interface Spread {
  median: number;
  min: number;
  max: number;
  reps: number[];
}

export interface OpResult {
  size: number;
  impl: ImplName;
  op: OpName;
  /** Operations per timed batch. */
  batch: number;
  /** Operations per second of process CPU time (user + system). */
  opsPerSec: Spread;
  /** Operations per second of wall-clock time. */
  opsPerWallSec: Spread;
  /** Checksum of each timed batch's outcomes (equal across structure targets). */
  checksums: number[];
}

export interface MemoryResult {
  size: number;
  impl: ImplName;
  /** Resident set size of the whole process after the build (for the 3 GiB target). */
  rssBytes: number;
  rssDeltaBytes: number;
  /** V8 heap used plus array buffers (typed arrays), delta over the build. */
  heapDeltaBytes: number;
  rssBytesPerParticipant: number;
  heapBytesPerParticipant: number;
  buildMs: number;
}

export interface OpsOptions {
  impls: readonly ImplName[];
  reps: number;
  seed: number;
  /** Operations per batch for a given size, operation and target. */
  batchFor: (size: number, op: OpName, impl: ImplName) => number;
  /** Called with each target after each operation's batches (tests compare states here). */
  afterOp?: (op: OpName, targets: ReadonlyMap<ImplName, BenchTarget>) => void;
}

/** Largest size the naive model runs at: its draws and listings are O(n). */
export const naiveSizeMax = 1_000_000;

/** Operations the naive model answers in O(n): their batches are capped by naiveLinearBudget. */
const naiveLinearOps: ReadonlySet<OpName> = new Set(['issueNew', 'transfer', 'draw', 'page']);

/** Elements the naive model may scan per batch of a linear operation (about 0.1 s). */
const naiveLinearBudget = 50_000_000;

/** Default batch sizes: large enough to time well, small next to the structure. */
export function defaultBatch(size: number, op: OpName, impl: ImplName): number {
  const base = Math.min(100_000, Math.max(5_000, Math.floor(size / 10)));
  const perOp = op === 'page' ? Math.max(200, Math.floor(base / 20)) : base;
  if (impl === 'naive' && naiveLinearOps.has(op)) {
    return Math.min(perOp, Math.max(20, Math.floor(naiveLinearBudget / size)));
  }
  return perOp;
}

function spreadOf(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, reps: values };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

/** Runs one batch of `op` on `target` and returns [wall ms, CPU ms, checksum]. */
function timeBatch(
  target: BenchTarget,
  op: OpName,
  inputs: OpInputs,
  winners: string[],
  from: number,
  to: number,
): [number, number, number] {
  let checksum: number;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  switch (op) {
    case 'lookup':
      checksum = target.lookupBatch(inputs, from, to);
      break;
    case 'issueNew':
    case 'issueExisting':
      checksum = target.issueBatch(inputs, from, to);
      break;
    case 'transfer':
      checksum = target.transferBatch(inputs, from, to);
      break;
    case 'draw':
      checksum = target.drawBatch(inputs, winners, from, to);
      break;
    case 'page':
      checksum = target.pageBatch(inputs, from, to);
      break;
  }
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  if (op === 'issueNew') target.undoIssueNew(inputs, from, to);
  if (op === 'draw') target.undoDraws(winners, from, to);
  return [elapsed, (cpu.user + cpu.system) / 1000, checksum];
}

/** Builds every target at `size` and measures every operation on each. */
export function runOps(size: number, options: OpsOptions): OpResult[] {
  const { reps, seed } = options;
  const impls = options.impls.filter((impl) => impl !== 'naive' || size <= naiveSizeMax);
  const weights = initialWeights(size, seed);
  const targets = new Map<ImplName, BenchTarget>();
  for (const impl of impls) {
    const target = createTarget(impl);
    target.build(weights);
    targets.set(impl, target);
  }
  const results: OpResult[] = [];
  for (const op of opNames) {
    const batches = new Map(impls.map((impl) => [impl, options.batchFor(size, op, impl)]));
    const largest = Math.max(...batches.values());
    // One input list for all targets; a target with a smaller batch uses a prefix of each slice.
    const inputs = makeInputs(op, size, largest, reps + 1, seed);
    const winners = new Array<string>(largest * (reps + 1)).fill('');
    const timings = new Map(impls.map((impl) => [impl, [] as number[]]));
    const wallTimings = new Map(impls.map((impl) => [impl, [] as number[]]));
    const checksums = new Map(impls.map((impl) => [impl, [] as number[]]));
    // One full collection per operation, before its warm-up. Not before every batch: after a
    // forced full GC V8 shrinks the young generation, and the next batch of an allocating
    // target (the ledger builds result objects) then ran up to 4x slower in scavenges.
    collectGarbage();
    for (let rep = 0; rep <= reps; rep++) {
      for (let turn = 0; turn < impls.length; turn++) {
        const impl = impls[(turn + rep) % impls.length]!;
        const batch = batches.get(impl)!;
        const from = rep * largest;
        const [ms, cpuMs, checksum] = timeBatch(
          targets.get(impl)!,
          op,
          inputs,
          winners,
          from,
          from + batch,
        );
        // Repetition 0 is the warm-up.
        if (rep > 0) {
          // CPU time is counted in microseconds; a batch never takes less than a few hundred.
          timings.get(impl)!.push((batch / Math.max(cpuMs, 0.001)) * 1000);
          wallTimings.get(impl)!.push((batch / ms) * 1000);
          checksums.get(impl)!.push(checksum);
        }
      }
    }
    for (const impl of impls) {
      results.push({
        size,
        impl,
        op,
        batch: batches.get(impl)!,
        opsPerSec: spreadOf(timings.get(impl)!),
        opsPerWallSec: spreadOf(wallTimings.get(impl)!),
        checksums: checksums.get(impl)!,
      });
    }
    options.afterOp?.(op, targets);
  }
  return results;
}

/** Builds one target at `size` and reports what it added to the process's memory. */
export function measureMemory(impl: ImplName, size: number, seed: number): MemoryResult {
  const weights = initialWeights(size, seed);
  collectGarbage();
  const before = process.memoryUsage();
  const start = performance.now();
  const target = createTarget(impl);
  target.build(weights);
  const buildMs = performance.now() - start;
  collectGarbage();
  const after = process.memoryUsage();
  if (target.size !== size) throw new Error(`${impl}: built ${target.size} of ${size}`);
  const heapDelta = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  return {
    size,
    impl,
    rssBytes: after.rss,
    rssDeltaBytes: after.rss - before.rss,
    heapDeltaBytes: heapDelta,
    rssBytesPerParticipant: (after.rss - before.rss) / size,
    heapBytesPerParticipant: heapDelta / size,
    buildMs,
  };
}

export interface Ratio {
  size: number;
  op: OpName;
  impl: ImplName;
  /** impl's median ops/s divided by the baseline's; above 1 means faster. */
  vsFenwick: number | undefined;
  vsNaive: number | undefined;
}

export function ratiosOf(results: readonly OpResult[]): Ratio[] {
  const find = (size: number, op: OpName, impl: ImplName) =>
    results.find((r) => r.size === size && r.op === op && r.impl === impl)?.opsPerSec.median;
  return results.map((r) => {
    const fenwick = find(r.size, r.op, 'fenwick');
    const naive = find(r.size, r.op, 'naive');
    return {
      size: r.size,
      op: r.op,
      impl: r.impl,
      vsFenwick: fenwick === undefined ? undefined : r.opsPerSec.median / fenwick,
      vsNaive: naive === undefined ? undefined : r.opsPerSec.median / naive,
    };
  });
}
