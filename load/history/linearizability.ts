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
 * projection failed. Each kind brings its model (`partition-model.ts`): the ledger's
 * (ledger-compile.ts), the prize raffles' (prize-compile.ts) and the campaigns'
 * (campaign-compile.ts); operations of a kind without one are counted and skipped.
 */
import { performance } from 'node:perf_hooks';
import type { Operation } from './events.js';
import { WindowFinder } from './failing-window.js';
import { ledgerPartitionModel } from './ledger-compile.js';
import {
  searchLinearization,
  type SearchOperation,
  type SearchOutcome,
} from './linearizability-search.js';
import type { CompiledPartition, ModelProjection, PartitionModel } from './partition-model.js';
import { campaignPartitionModel } from './campaign-compile.js';
import { prizePartitionModel } from './prize-compile.js';

/** The model of each kind, by kind name: a new kind adds its own here. */
export const partitionModels: Readonly<Record<string, PartitionModel>> = {
  ledger: ledgerPartitionModel,
  prize: prizePartitionModel,
  campaign: campaignPartitionModel,
};

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
/** How far around the operation an undecided projection got stuck on its windows are tried. */
const undecidedRadius = 32;

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
  /** What the violation was proven on: `raffle`, or the name of a projection of the kind. */
  provenOn?: string;
  /** The same in words: `the whole raffle`, `participant u34 alone`, `ticket 17 alone`. */
  seenAs?: string;
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
  partition: CompiledPartition,
  projection: ModelProjection<SearchOperation>,
  fresh: boolean,
  stepsMax: number,
) {
  return searchLinearization(projection.ops, partition.state(projection, fresh), { stepsMax });
}

/**
 * Proves the violation on a window around `blocked` (a position in the projection). With
 * `radiusMax`, only windows up to that many operations on either side are tried, and false is
 * returned when none fails (the report is then left as it was).
 */
function explain(
  partition: CompiledPartition,
  projection: ModelProjection<SearchOperation>,
  blocked: number | undefined,
  report: PartitionReport,
  fresh: boolean,
  options: LinearizabilityOptions,
  radiusMax?: number,
): boolean {
  if (blocked === undefined) {
    report.provenOn = projection.name;
    report.seenAs = seenAs(partition, projection);
    return true;
  }
  const operationAt = (p: number): Operation =>
    partition.operations[projection.indexes[p] as number] as Operation;
  const finder = new WindowFinder(
    partition,
    projection,
    fresh,
    options.windowStepsMax ?? defaultWindowStepsMax,
  );
  const found = finder.probe(blocked, radiusMax);
  if (radiusMax !== undefined && found === undefined) return false;
  report.provenOn = projection.name;
  report.seenAs = seenAs(partition, projection);
  report.blocked = operationAt(blocked);
  if (found === undefined) return true;
  const window =
    (options.minimiseWindow ?? true) ? finder.minimise(found) : finder.window(found.a, found.b);
  report.window = window.core.map(operationAt);
  report.fringe = window.fringe.map(operationAt);
  report.windowFromStart = fresh && window.fromStart;
  return true;
}

function seenAs(partition: CompiledPartition, projection: ModelProjection<SearchOperation>) {
  return projection.name === 'raffle' ? 'the whole raffle' : partition.describe(projection.name);
}

function checkRaffle(
  model: PartitionModel,
  name: string,
  operations: readonly Operation[],
  options: LinearizabilityOptions,
): PartitionReport {
  const started = performance.now();
  const fresh = options.freshRaffles ?? true;
  const partition = model.compile(operations);
  const report: PartitionReport = {
    kind: model.kind,
    raffle: name,
    checked: partition.model.length,
    outcome: 'linearizable',
    steps: 0,
    memoSize: 0,
    durationMs: 0,
  };
  const windowSteps = options.windowStepsMax ?? defaultWindowStepsMax;
  // Every projection is searched, so that the report can count them; the window is cut from the
  // one whose unplaceable operation came first.
  const failed: {
    projection: ModelProjection<SearchOperation>;
    blocked: number | undefined;
    atMs: number;
  }[] = [];
  const undecided: { projection: ModelProjection<SearchOperation>; blocked: number }[] = [];
  for (const projection of partition.projections()) {
    const result = searchProjection(partition, projection, fresh, windowSteps);
    if (result.outcome === 'gave-up' && result.deepest.blocked !== undefined) {
      undecided.push({ projection, blocked: result.deepest.blocked });
    }
    if (result.outcome !== 'not-linearizable') continue;
    const blocked = result.deepest.blocked;
    const atMs =
      blocked === undefined ? Infinity : (projection.ops[blocked] as SearchOperation).invokeMs;
    failed.push({ projection, blocked, atMs });
  }
  if (failed.length > 0) {
    const first = failed.reduce((x, y) => (y.atMs < x.atMs ? y : x));
    report.outcome = 'not-linearizable';
    report.failedProjections = failed.map((f) => f.projection.name);
    explain(partition, first.projection, first.blocked, report, fresh, options);
    report.durationMs = performance.now() - started;
    return report;
  }
  // A projection whose search reached its bound still points at the operation it got stuck on:
  // a small window around it that fails is a proof of its own, found without the whole search.
  for (const { projection, blocked } of undecided) {
    if (explain(partition, projection, blocked, report, fresh, options, undecidedRadius)) {
      report.outcome = 'not-linearizable';
      report.failedProjections = [projection.name];
      report.durationMs = performance.now() - started;
      return report;
    }
  }
  const whole = partition.whole();
  const result = searchProjection(partition, whole, fresh, options.stepsMax ?? defaultStepsMax);
  report.outcome = result.outcome;
  report.steps = result.steps;
  report.memoSize = result.memoSize;
  if (result.outcome === 'not-linearizable') {
    explain(partition, whole, result.deepest.blocked, report, fresh, options);
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
    if (partitionModels[operation.kind] === undefined) {
      skipped += 1;
      continue;
    }
    // Raffles of different kinds never share an id in one service, but a file may mix sources.
    const key = `${operation.kind}\u0000${operation.raffle}`;
    let part = parts.get(key);
    if (part === undefined) {
      part = [];
      parts.set(key, part);
    }
    part.push(operation);
  }
  const partitions = [...parts.values()].map((part) => {
    const first = part[0] as Operation;
    return checkRaffle(partitionModels[first.kind] as PartitionModel, first.raffle, part, options);
  });
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
  const seenAs = report.seenAs ?? 'the whole raffle';
  const noun =
    report.kind === 'ledger' ? 'raffle' : report.kind === 'prize' ? 'prize raffle' : report.kind;
  const lines = [`${noun} ${report.raffle}: not linearizable, seen through ${seenAs}.`];
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
