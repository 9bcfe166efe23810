/**
 * Turns one raffle's recorded ledger operations into the model's compact operations, and cuts
 * projections out of them: the same history seen through only some of the state.
 *
 * A projection keeps the operations that touch its cells and forgets the rest of each operation
 * (an issue seen by one participant's projection only adds to and reads that balance; the total
 * it reports is ignored). If the history is linearizable, so is every projection — the same order
 * serves — so a projection that is not linearizable proves a violation. Projections are small
 * and involve few concurrent operations, so proving that they fail is cheap where proving it on
 * the whole raffle would mean exhausting every order of its dozens of concurrent operations; and
 * the violation they prove is already narrowed to one participant, or to the totals.
 */
import type { Operation } from './events.js';
import { isInformativeRefusal } from './ledger-operations.js';
import {
  firstParticipantCell,
  ignoredCell,
  LedgerModelState,
  LedgerOpCode,
  LedgerResult,
  observesOnly,
  type LedgerModelOp,
} from './ledger-model.js';
import type { CompiledPartition, ModelProjection, PartitionModel } from './partition-model.js';

export interface CompiledRaffle {
  /** The operations kept (those that constrain something), in invocation order. */
  operations: Operation[];
  /** Their compiled forms, index for index. */
  model: LedgerModelOp[];
  /** Cells of the model: total, draw count and one per participant. */
  cells: number;
  /** The participant of each participant cell (index `cell - firstParticipantCell`). */
  names: string[];
}

/** The operations a checker looks at through some of the state. */
export interface Projection extends ModelProjection<LedgerModelOp> {
  /** `raffle` (everything), `totals` (total and draw count), or a participant's name. */
  name: string;
  /** Whether the total and draw count are part of the state (see `LedgerModelState`). */
  tracksTotals: boolean;
}

function resultOf(operation: Operation): LedgerResult | undefined {
  if (operation.completion === 'ok') return LedgerResult.Ok;
  if (operation.completion === 'info') return LedgerResult.Unknown;
  const reason = operation.output.reason;
  if (!isInformativeRefusal(operation.f, reason)) return undefined;
  if (reason === 'participant_not_found') return LedgerResult.NotFound;
  if (reason === 'insufficient_tickets') return LedgerResult.Insufficient;
  return LedgerResult.Empty;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

/** Compiles a ledger operation for the model, or undefined when it constrains nothing. */
export function compileLedgerOperation(
  operation: Operation,
  cellOf: (username: unknown) => number,
): LedgerModelOp | undefined {
  const result = resultOf(operation);
  if (result === undefined) return undefined;
  const { input, output } = operation;
  const base = {
    invokeMs: operation.invokeMs,
    completeMs: operation.completeMs,
    result,
    a: ignoredCell,
    b: ignoredCell,
    count: 0,
    out1: 0,
    out2: 0,
    out3: 0,
  };
  switch (operation.f) {
    case 'issue':
      return {
        ...base,
        code: LedgerOpCode.Issue,
        a: cellOf(input.username),
        count: num(input.count),
        out1: num(output.tickets),
        out2: num(output.totalTickets),
      };
    case 'transfer':
      return {
        ...base,
        code: LedgerOpCode.Transfer,
        a: cellOf(input.from),
        b: cellOf(input.to),
        count: num(input.count),
        out1: num(output.fromTickets),
        out2: num(output.toTickets),
      };
    case 'draw':
      return {
        ...base,
        code: LedgerOpCode.Draw,
        a: result === LedgerResult.Ok ? cellOf(output.username) : ignoredCell,
        out1: num(output.ticketsLeft),
        out2: num(output.totalTicketsBefore),
        out3: num(output.drawId),
      };
    case 'getParticipant':
      // A read whose answer never came constrains nothing.
      if (result === LedgerResult.Unknown) return undefined;
      return {
        ...base,
        code: LedgerOpCode.GetParticipant,
        a: cellOf(input.username),
        out1: num(output.tickets),
      };
    case 'getRaffle':
      if (result === LedgerResult.Unknown) return undefined;
      return {
        ...base,
        code: LedgerOpCode.GetRaffle,
        out1: num(output.totalTickets),
        out2: num(output.participantCount),
        out3: num(output.drawCount),
      };
    default:
      // Listings are the conservation checker's: their pages are not modelled here.
      return undefined;
  }
}

/** Compiles one raffle's operations, in invocation order. */
export function compileRaffle(operations: readonly Operation[]): CompiledRaffle {
  const cells = new Map<string, number>();
  const names: string[] = [];
  const cellOf = (username: unknown): number => {
    const name = String(username);
    let cell = cells.get(name);
    if (cell === undefined) {
      cell = firstParticipantCell + names.length;
      cells.set(name, cell);
      names.push(name);
    }
    return cell;
  };
  const kept: Operation[] = [];
  const model: LedgerModelOp[] = [];
  const ordered = [...operations].sort((x, y) => x.invokeMs - y.invokeMs || x.op - y.op);
  for (const operation of ordered) {
    const compiled = compileLedgerOperation(operation, cellOf);
    if (compiled === undefined) continue;
    kept.push(operation);
    model.push(compiled);
  }
  return { operations: kept, model, cells: firstParticipantCell + names.length, names };
}

/** The whole raffle as a projection of itself. */
export function wholeRaffle(raffle: CompiledRaffle): Projection {
  return {
    name: 'raffle',
    indexes: raffle.model.map((_, i) => i),
    ops: raffle.model,
    tracksTotals: true,
  };
}

/** Issues, draws and figures reads, seen through the total and the draw count only. */
export function totalsProjection(raffle: CompiledRaffle): Projection {
  const indexes: number[] = [];
  const ops: LedgerModelOp[] = [];
  raffle.model.forEach((op, i) => {
    if (op.code === LedgerOpCode.Transfer || op.code === LedgerOpCode.GetParticipant) return;
    indexes.push(i);
    ops.push({ ...op, a: ignoredCell, b: ignoredCell });
  });
  return { name: 'totals', indexes, ops, tracksTotals: true };
}

/**
 * One projection per participant: the operations that touch that participant's balance, seen
 * through it alone. Draws of unknown outcome go into every one (any participant may have won).
 */
export function participantProjections(raffle: CompiledRaffle): Projection[] {
  const byCell = new Map<number, Projection>();
  const projectionOf = (cell: number): Projection => {
    let projection = byCell.get(cell);
    if (projection === undefined) {
      const name = raffle.names[cell - firstParticipantCell] as string;
      projection = { name, indexes: [], ops: [], tracksTotals: false };
      byCell.set(cell, projection);
    }
    return projection;
  };
  const unknownDraws: number[] = [];
  raffle.model.forEach((op, i) => {
    if (op.code === LedgerOpCode.Draw && op.result === LedgerResult.Unknown) unknownDraws.push(i);
  });
  raffle.model.forEach((op, i) => {
    for (const cell of [op.a, op.b]) {
      if (cell < firstParticipantCell || (cell === op.b && op.b === op.a)) continue;
      const projection = projectionOf(cell);
      projection.indexes.push(i);
      projection.ops.push({
        ...op,
        a: op.a === cell ? cell : ignoredCell,
        b: op.b === cell ? cell : ignoredCell,
      });
    }
  });
  const projections = [...byCell.values()];
  if (unknownDraws.length > 0) {
    // Merge the draws of unknown outcome into each projection, keeping invocation order.
    for (const projection of projections) {
      const projected = new Map<number, LedgerModelOp>();
      projection.indexes.forEach((i, k) => projected.set(i, projection.ops[k] as LedgerModelOp));
      for (const i of unknownDraws) projected.set(i, raffle.model[i] as LedgerModelOp);
      projection.indexes = [...projected.keys()].sort((x, y) => x - y);
      projection.ops = projection.indexes.map((i) => projected.get(i) as LedgerModelOp);
    }
  }
  return projections;
}

/** The ledger kind as the linearizability checker takes it. */
export const ledgerPartitionModel: PartitionModel = {
  kind: 'ledger',
  compile(operations): CompiledPartition<LedgerModelOp> {
    const raffle = compileRaffle(operations);
    return {
      operations: raffle.operations,
      model: raffle.model,
      projections: () => [totalsProjection(raffle), ...participantProjections(raffle)],
      whole: () => wholeRaffle(raffle),
      state: (projection, knownStart) =>
        new LedgerModelState(raffle.cells, knownStart, (projection as Projection).tracksTotals),
      observesOnly,
      describe: (name) => (name === 'totals' ? 'the totals alone' : `participant ${name} alone`),
    };
  },
};
