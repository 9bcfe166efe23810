/**
 * The ledger kind's model for the linearizability search: per-participant balances, the total and
 * the draw count of one raffle, as cells of `cell-state.ts` (applied in place, undone from a
 * trail, hashed incrementally; known at 0 for a whole history, unknown for a window).
 *
 * Outputs are checked as the service states them: an issue's balance and total after it, a
 * transfer's two balances after it, a draw's total before it, number and winner's remaining
 * tickets (the winner is an output: any participant holding a ticket may win), the refusals that
 * depend on the state, and reads. A draw whose outcome is unknown (`info`) removes a ticket from
 * the total where it is placed, but its winner is unknown: it leaves one unattributed ticket that a
 * later observation of a balance one lower than expected may claim. That keeps the search from
 * branching over every participant, at the price of accepting, after such a draw, an order in
 * which the winner's balance drops a little later than the total — lenient, never wrongly strict.
 */
import { CellState, ignoredCell } from './cell-state.js';
import type { SearchOperation, SearchState } from './linearizability-search.js';

export const LedgerOpCode = {
  Issue: 0,
  Transfer: 1,
  Draw: 2,
  GetParticipant: 3,
  GetRaffle: 4,
} as const;
export type LedgerOpCode = (typeof LedgerOpCode)[keyof typeof LedgerOpCode];

export const LedgerResult = {
  Ok: 0,
  /** The outcome is unknown: it may take effect, with any output. */
  Unknown: 1,
  /** Refused: participant not found (the donor or the participant read holds nothing). */
  NotFound: 2,
  /** Refused: the donor holds fewer tickets than asked. */
  Insufficient: 3,
  /** Refused: the raffle holds no tickets. */
  Empty: 4,
} as const;
export type LedgerResult = (typeof LedgerResult)[keyof typeof LedgerResult];

/** An operation compiled for the model: participants are cell indexes, outputs numbers. */
export interface LedgerModelOp extends SearchOperation {
  code: LedgerOpCode;
  result: LedgerResult;
  /** Issue: the participant; transfer: the donor; draw: the winner; read: the participant. */
  a: number;
  /** Transfer: the recipient. */
  b: number;
  count: number;
  /** Issue: tickets after; transfer: donor after; draw: winner after; reads: tickets / total. */
  out1: number;
  /** Issue: total after; transfer: recipient after; draw: total before; getRaffle: participants. */
  out2: number;
  /** Draw: draw number; getRaffle: draw count. */
  out3: number;
}

/** Cell 0 is the total, cell 1 the draw count, participants from 2 on. */
export const totalCell = 0;
export const drawsCell = 1;
export const firstParticipantCell = 2;
export { ignoredCell };

/** The cells an operation reads or writes; undefined when it may touch any (an unknown draw). */
function touched(op: LedgerModelOp): number[] | undefined {
  switch (op.code) {
    case LedgerOpCode.Issue:
      return [op.a, totalCell];
    case LedgerOpCode.Transfer:
      return [op.a, op.b];
    case LedgerOpCode.Draw:
      if (op.result === LedgerResult.Unknown) return undefined;
      return op.result === LedgerResult.Ok ? [op.a, totalCell, drawsCell] : [totalCell];
    case LedgerOpCode.GetParticipant:
      return [op.a];
    case LedgerOpCode.GetRaffle:
      return [totalCell, drawsCell];
  }
}

/**
 * Operations that change nothing (reads and refusals): the search may place them without a step,
 * and dropping one from a failing window keeps it failing.
 */
export function observesOnly(op: LedgerModelOp): boolean {
  return (
    op.code === LedgerOpCode.GetParticipant ||
    op.code === LedgerOpCode.GetRaffle ||
    op.result === LedgerResult.NotFound ||
    op.result === LedgerResult.Insufficient ||
    op.result === LedgerResult.Empty
  );
}

export class LedgerModelState extends CellState implements SearchState<LedgerModelOp> {
  /** See `SearchState.unknownsLast`: a lost ledger write is tried only once nothing else fits. */
  readonly unknownsLast = true;

  /**
   * @param cells total, draw count and participant cells (`firstParticipantCell` + participants)
   * @param knownStart every cell starts at 0 (a whole history of a fresh raffle); otherwise the
   *   starting state is unknown (a window).
   * @param tracksTotals false for a projection onto participants: the total and the draw count
   *   are then ignored like `ignoredCell`.
   */
  constructor(
    cells: number,
    knownStart: boolean,
    private readonly tracksTotals = true,
  ) {
    super(cells, knownStart);
  }

  protected override ignores(cell: number): boolean {
    return cell === ignoredCell || (cell < firstParticipantCell && !this.tracksTotals);
  }

  interacts(a: LedgerModelOp, b: LedgerModelOp): boolean {
    const cellsA = touched(a);
    const cellsB = touched(b);
    if (cellsA === undefined || cellsB === undefined) return true;
    return cellsA.some((cell) => cell !== ignoredCell && cellsB.includes(cell));
  }

  observes(op: LedgerModelOp): boolean {
    return observesOnly(op);
  }

  apply(op: LedgerModelOp): boolean {
    return this.attempt(() => this.step(op));
  }

  private step(op: LedgerModelOp): boolean {
    const k = this.slack;
    switch (op.code) {
      case LedgerOpCode.Issue:
        this.add(op.a, op.count);
        this.add(totalCell, op.count);
        if (op.result === LedgerResult.Unknown) return true;
        return this.observe(op.a, op.out1, this.slack) && this.observe(totalCell, op.out2, 0);
      case LedgerOpCode.Transfer:
        if (op.result === LedgerResult.NotFound) return this.observe(op.a, 0, k);
        if (op.result === LedgerResult.Insufficient) {
          return this.atLeast(op.a, 1) && this.below(op.a, op.count);
        }
        if (!this.atLeast(op.a, op.count)) return false;
        this.add(op.a, -op.count);
        this.add(op.b, op.count);
        if (op.result === LedgerResult.Unknown) return true;
        return this.observe(op.a, op.out1, this.slack) && this.observe(op.b, op.out2, this.slack);
      case LedgerOpCode.Draw:
        if (op.result === LedgerResult.Empty) return this.observe(totalCell, 0, 0);
        if (op.result === LedgerResult.Unknown) {
          if (!this.atLeast(totalCell, 1)) return false;
          this.add(totalCell, -1);
          this.add(drawsCell, 1);
          this.setSlack(k + 1);
          return true;
        }
        if (
          !this.observe(totalCell, op.out2, 0) ||
          !this.observe(drawsCell, op.out3 - 1, 0) ||
          !this.observe(op.a, op.out1 + 1, k)
        ) {
          return false;
        }
        this.add(op.a, -1);
        this.add(totalCell, -1);
        this.add(drawsCell, 1);
        return true;
      case LedgerOpCode.GetParticipant:
        return this.observe(op.a, op.result === LedgerResult.NotFound ? 0 : op.out1, k);
      case LedgerOpCode.GetRaffle:
        // The participant count is not compared: it depends on which of the concurrent transfers
        // emptied a donor or admitted a recipient, so every figures read would make the search
        // enumerate subsets of them. The listing walk at the end of a load run checks it.
        return this.observe(totalCell, op.out1, 0) && this.observe(drawsCell, op.out3, 0);
    }
  }
}
