/**
 * The linearizability checker: is there one order of the operations, consistent with real time,
 * in which a single ledger would have given every answer recorded?
 *
 * The history splits by raffle (operations on different raffles never interact, so it is
 * linearizable exactly when each part is: Herlihy and Wing's locality). Within a raffle it cannot
 * split further — transfers and draws touch several participants and the total at once — but
 * projections (see ledger-compile.ts) give cheap necessary conditions: the totals alone, then each
 * participant alone, are searched first, and one that fails proves a violation already narrowed
 * down; then the whole raffle is searched with the Wing–Gong–Lowe algorithm
 * (linearizability-search.ts), which alone can say "linearizable". When a search proves a
 * violation, a minimal failing window around the operation it could not place is cut out and
 * printed (failing-window.ts).
 *
 * Outcomes per raffle: linearizable, not linearizable (with where it was proven and the window),
 * or unknown when the whole-raffle search reached its step bound without a verdict and no
 * projection failed. Only the ledger kind has a model so far; other kinds are counted and skipped.
 */
import { performance } from 'node:perf_hooks';
import type { Operation } from './events.js';
import { WindowFinder } from './failing-window.js';
import {
  compileRaffle,
  participantProjections,
  totalsProjection,
  wholeRaffle,
  type CompiledRaffle,
  type Projection,
} from './ledger-compile.js';
import { LedgerModelState, type LedgerModelOp } from './ledger-model.js';
import { searchLinearization, type SearchOutcome } from './linearizability-search.js';

export interface LinearizabilityOptions {
  /**
   * Every raffle starts empty when the history starts (the recorder creates fresh raffles); when
   * false, the starting state of each raffle is unknown and only its changes are checked.
   * @default true
   */
  freshRaffles?: boolean;
  /**
   * Shrink a failing window to a minimal one (otherwise the first failing window is reported).
   * @default true
   */
  minimiseWindow?: boolean;
  /**
   * Step bound of the whole-raffle search; past it the raffle's outcome is unknown.
   * @default 20_000_000
   */
  stepsMax?: number;
  /**
   * Step bound of each projection and window search.
   * @default 2_000_000
   */
  windowStepsMax?: number;
}

const defaultStepsMax = 20_000_000;
const defaultWindowStepsMax = 2_000_000;

export interface PartitionReport {
  kind: string;
  raffle: string;
  /** Operations searched (listings, unknown reads and uninformative refusals are not). */
  checked: number;
  outcome: SearchOutcome;
  /** Steps and memo size of the whole-raffle search (0 when a projection settled it first). */
  steps: number;
  memoSize: number;
  durationMs: number;
  /** What the violation was proven on: `raffle`, `totals` or a participant's name. */
  provenOn?: string;
  /** Every projection that failed (`totals`, participants): each is a violation of its own. */
  failedProjections?: string[];
  /** The operation the failing search could not place. */
  blocked?: Operation;
  /** A minimal failing window: its core, in invocation order. */
  window?: Operation[];
  /** The operations overlapping the core that were free to take effect anywhere, or not at all. */
  fringe?: Operation[];
  /** The window was judged from the raffle's empty start rather than from any state. */
  windowFromStart?: boolean;
}

export interface LinearizabilityReport {
  /** True: linearizable; false: a violation; undefined: a search gave up. */
  valid: boolean | undefined;
  operations: number;
  checked: number;
  /** Operations of kinds without a model. */
  skipped: number;
  partitions: PartitionReport[];
  durationMs: number;
  violations: PartitionReport[];
}

function searchProjection(
  raffle: CompiledRaffle,
  projection: Projection,
  fresh: boolean,
  stepsMax: number,
) {
  const state = new LedgerModelState(raffle.cells, fresh, projection.tracksTotals);
  return searchLinearization(projection.ops, state, { stepsMax });
}

/** Proves the violation on a window around `blocked` (a position in the projection). */
function explain(
  raffle: CompiledRaffle,
  projection: Projection,
  blocked: number | undefined,
  report: PartitionReport,
  fresh: boolean,
  options: LinearizabilityOptions,
): void {
  report.provenOn = projection.name;
  if (blocked === undefined) return;
  const operationAt = (p: number): Operation =>
    raffle.operations[projection.indexes[p] as number] as Operation;
  report.blocked = operationAt(blocked);
  const finder = new WindowFinder(
    projection,
    raffle.cells,
    fresh,
    options.windowStepsMax ?? defaultWindowStepsMax,
  );
  const found = finder.probe(blocked);
  if (found === undefined) return;
  const window =
    (options.minimiseWindow ?? true) ? finder.minimise(found) : finder.window(found.a, found.b);
  report.window = window.core.map(operationAt);
  report.fringe = window.fringe.map(operationAt);
  report.windowFromStart = fresh && window.fromStart;
}

function checkRaffle(
  name: string,
  operations: readonly Operation[],
  options: LinearizabilityOptions,
): PartitionReport {
  const started = performance.now();
  const fresh = options.freshRaffles ?? true;
  const raffle = compileRaffle(operations);
  const report: PartitionReport = {
    kind: 'ledger',
    raffle: name,
    checked: raffle.model.length,
    outcome: 'linearizable',
    steps: 0,
    memoSize: 0,
    durationMs: 0,
  };
  const windowSteps = options.windowStepsMax ?? defaultWindowStepsMax;
  const projections = participantProjections(raffle);
  // Every projection is searched, so that the report can count them; the window is cut from the
  // one whose unplaceable operation came first.
  const failed: { projection: Projection; blocked: number | undefined; atMs: number }[] = [];
  for (const projection of [totalsProjection(raffle), ...projections]) {
    const result = searchProjection(raffle, projection, fresh, windowSteps);
    if (result.outcome !== 'not-linearizable') continue;
    const blocked = result.deepest.blocked;
    const atMs =
      blocked === undefined ? Infinity : (projection.ops[blocked] as LedgerModelOp).invokeMs;
    failed.push({ projection, blocked, atMs });
  }
  if (failed.length > 0) {
    const first = failed.reduce((x, y) => (y.atMs < x.atMs ? y : x));
    report.outcome = 'not-linearizable';
    report.failedProjections = failed.map((f) => f.projection.name);
    explain(raffle, first.projection, first.blocked, report, fresh, options);
    report.durationMs = performance.now() - started;
    return report;
  }
  const whole = wholeRaffle(raffle);
  const result = searchProjection(raffle, whole, fresh, options.stepsMax ?? defaultStepsMax);
  report.outcome = result.outcome;
  report.steps = result.steps;
  report.memoSize = result.memoSize;
  if (result.outcome === 'not-linearizable') {
    explain(raffle, whole, result.deepest.blocked, report, fresh, options);
  }
  report.durationMs = performance.now() - started;
  return report;
}

export function checkLinearizability(
  operations: readonly Operation[],
  options: LinearizabilityOptions = {},
): LinearizabilityReport {
  const started = performance.now();
  const parts = new Map<string, Operation[]>();
  let skipped = 0;
  for (const operation of operations) {
    if (operation.kind !== 'ledger') {
      skipped += 1;
      continue;
    }
    let part = parts.get(operation.raffle);
    if (part === undefined) {
      part = [];
      parts.set(operation.raffle, part);
    }
    part.push(operation);
  }
  const partitions = [...parts].map(([raffle, part]) => checkRaffle(raffle, part, options));
  const violations = partitions.filter((p) => p.outcome === 'not-linearizable');
  const gaveUp = partitions.some((p) => p.outcome === 'gave-up');
  return {
    valid: violations.length > 0 ? false : gaveUp ? undefined : true,
    operations: operations.length,
    checked: partitions.reduce((sum, p) => sum + p.checked, 0),
    skipped,
    partitions,
    durationMs: performance.now() - started,
    violations,
  };
}

function short(value: Record<string, unknown>): string {
  return JSON.stringify(value).replaceAll('"', '');
}

function operationLine(op: Operation, originMs: number, mark: string): string {
  const end = Number.isFinite(op.completeMs) ? (op.completeMs - originMs).toFixed(3) : '∞';
  return (
    `${mark} op ${op.op} client ${op.client} [${(op.invokeMs - originMs).toFixed(3)} → ${end} ms] ` +
    `${op.f} ${short(op.input)} → ${op.completion} ${short(op.output)}`
  );
}

/** The violation and its window, one operation a line, times in ms from the core's start. */
export function formatViolation(report: PartitionReport): string {
  const core = report.window ?? [];
  const fringe = report.fringe ?? [];
  const seenAs =
    report.provenOn === 'raffle'
      ? 'the whole raffle'
      : report.provenOn === 'totals'
        ? 'the totals alone'
        : `participant ${report.provenOn} alone`;
  const lines = [`raffle ${report.raffle}: not linearizable, seen through ${seenAs}.`];
  if (core.length === 0) {
    if (report.blocked !== undefined) {
      lines.push(`no small window found; the search could not place:`);
      lines.push(operationLine(report.blocked, report.blocked.invokeMs, '*'));
    }
    return lines.join('\n');
  }
  const origin = core.reduce((min, op) => Math.min(min, op.invokeMs), Number.POSITIVE_INFINITY);
  lines.push(
    `minimal failing window: ${core.length} operations, ` +
      `${report.windowFromStart ? 'from the raffle’s empty start' : 'from any starting state'}` +
      ` (* = the operation that could not be placed):`,
  );
  for (const op of core) lines.push(operationLine(op, origin, op === report.blocked ? '*' : ' '));
  if (fringe.length > 0) {
    lines.push(`overlapping it, free to take effect anywhere or not at all (${fringe.length}):`);
    for (const op of fringe) lines.push(operationLine(op, origin, '~'));
  }
  return lines.join('\n');
}
