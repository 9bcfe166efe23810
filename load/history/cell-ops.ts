/**
 * Model operations over named cells, for the kinds whose state is a set of counters and flags
 * (prize raffles, campaigns): each operation lists the cells it touches, so projections, the
 * "interacts" hint of the search, the reading of outcomes, the compile loop and the partition the
 * checker takes are written once here, and a kind writes only how one operation compiles and how
 * it steps its cells (`CellModelState.step`).
 *
 * A projection keeps the operations that touch a group of cells (one ticket number, one phone)
 * and maps every other cell they touch to `ignoredCell`, whose changes are dropped and
 * observations accepted: the same operations seen through part of the state.
 */
import { CellState, ignoredCell } from './cell-state.js';
import type { Operation } from './events.js';
import type { SearchOperation, SearchState } from './linearizability-search.js';
import type { CompiledPartition, ModelProjection } from './partition-model.js';

/** The outcome of an operation as the models read it; refusals are numbered by each kind. */
export const CellResult = { Ok: 0, Unknown: 1 } as const;

export interface CellOp extends SearchOperation {
  /** The operation, numbered by its kind. */
  code: number;
  /** `CellResult.Ok`, `CellResult.Unknown` or one of the kind's informative refusals. */
  result: number;
  /** The cells it touches, in positions its kind gives a meaning (`ignoredCell` when projected away). */
  cells: number[];
  /** Numbers of its input and answer that the model checks, by position. */
  outs: number[];
}

export abstract class CellModelState extends CellState implements SearchState<CellOp> {
  apply(op: CellOp): boolean {
    return this.attempt(() => this.step(op));
  }

  /** Lets `op` take effect now if the model allows it (changes are undone on refusal). */
  protected abstract step(op: CellOp): boolean;

  abstract observes(op: CellOp): boolean;

  /** Operations with the same code, result, cells and checked numbers are interchangeable. */
  classOf(op: CellOp): string {
    return `${op.code}|${op.result}|${op.cells.join(',')}|${op.outs.join(',')}`;
  }

  interacts(a: CellOp, b: CellOp): boolean {
    return a.cells.some((cell) => cell !== ignoredCell && b.cells.includes(cell));
  }

  /** `known` for a cell that may be projected away (then unknown). */
  protected knownValue(cell: number): number | undefined {
    return cell === ignoredCell ? undefined : this.known(cell);
  }
}

/** Interns keys (a ticket number, a phone, a prize and day) as cell numbers, from `first` on. */
export class CellNames {
  private readonly cells = new Map<string, number>();
  readonly names: string[] = [];

  constructor(private next: number) {}

  cellOf(key: string): number {
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = this.next;
      this.next += 1;
      this.cells.set(key, cell);
      this.names[cell] = key;
    }
    return cell;
  }

  get count(): number {
    return this.next;
  }
}

/**
 * One projection per group of cells (`groupOf` names a cell's group, or undefined for cells that
 * get no projection of their own), in order of first appearance.
 */
export function groupProjections(
  model: readonly CellOp[],
  groupOf: (cell: number) => string | undefined,
): ModelProjection<CellOp>[] {
  const byGroup = new Map<string, ModelProjection<CellOp>>();
  model.forEach((op, i) => {
    const groups = new Set<string>();
    for (const cell of op.cells) {
      const group = cell === ignoredCell ? undefined : groupOf(cell);
      if (group !== undefined) groups.add(group);
    }
    for (const group of groups) {
      let projection = byGroup.get(group);
      if (projection === undefined) {
        projection = { name: group, indexes: [], ops: [] };
        byGroup.set(group, projection);
      }
      projection.indexes.push(i);
      projection.ops.push({
        ...op,
        cells: op.cells.map((cell) =>
          cell !== ignoredCell && groupOf(cell) === group ? cell : ignoredCell,
        ),
      });
    }
  });
  return [...byGroup.values()];
}

/** Assembles the partition the checker takes from a kind's compiled operations. */
export function cellPartition(parts: {
  operations: Operation[];
  model: CellOp[];
  cells: number;
  groupOf: (cell: number) => string | undefined;
  newState: (cells: number, knownStart: boolean) => CellModelState;
  describe: (group: string) => string;
}): CompiledPartition<CellOp> {
  const probe = parts.newState(0, true);
  return {
    operations: parts.operations,
    model: parts.model,
    projections: () => groupProjections(parts.model, parts.groupOf),
    whole: () => ({ name: 'raffle', indexes: parts.model.map((_, i) => i), ops: parts.model }),
    state: (_projection, knownStart) => parts.newState(parts.cells, knownStart),
    observesOnly: (op) => probe.observes(op),
    describe: parts.describe,
  };
}

/**
 * An operation's outcome as a cell model reads it: `Ok`, `Unknown`, the number the kind gives an
 * informative refusal (`refusals`), or undefined for a refusal that constrains nothing (one the
 * kind's `informative` rejects), which the compiler then drops.
 */
export function cellResultOf(
  operation: Operation,
  refusals: Readonly<Record<string, number>>,
  informative: (f: string, reason: unknown) => boolean,
): number | undefined {
  if (operation.completion === 'ok') return CellResult.Ok;
  if (operation.completion === 'info') return CellResult.Unknown;
  const reason = operation.output.reason;
  return informative(operation.f, reason) ? refusals[reason as string] : undefined;
}

/** What every model operation of a cell kind carries: its interval and outcome. */
export type CellOpBase = Pick<CellOp, 'invokeMs' | 'completeMs' | 'result'>;

/**
 * Compiles a partition's operations in order: each whose outcome constrains something
 * (`resultOf`) goes to the kind's `compileOne` with its interval and outcome, and each that gets a
 * model operation is kept, index for index with it.
 */
export function compileEach(
  ordered: readonly Operation[],
  resultOf: (operation: Operation) => number | undefined,
  compileOne: (operation: Operation, base: CellOpBase) => CellOp | undefined,
): { kept: Operation[]; model: CellOp[] } {
  const kept: Operation[] = [];
  const model: CellOp[] = [];
  for (const operation of ordered) {
    const result = resultOf(operation);
    if (result === undefined) continue;
    const op = compileOne(operation, {
      invokeMs: operation.invokeMs,
      completeMs: operation.completeMs,
      result,
    });
    if (op === undefined) continue;
    kept.push(operation);
    model.push(op);
  }
  return { kept, model };
}

/** Operations of one partition in invocation order (the order compilers intern cells in). */
export function inInvocationOrder(operations: readonly Operation[]): Operation[] {
  return [...operations].sort((x, y) => x.invokeMs - y.invokeMs || x.op - y.op);
}

export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}
