/**
 * The prize kind's model for the linearizability search: one prize raffle of `ticketCount`
 * tickets as cells (`cell-state.ts`) — the number of tickets claimed, the draw (0 before it, then
 * the id of the winners it picked), one 0/1 cell per ticket number seen and one per client address
 * seen.
 *
 * What it checks: a number is claimed at most once and an address claims at most once; a claim
 * succeeds only while tickets remain, `sold_out` only when none do (and only for an address
 * without a ticket: the service checks the address first); the operator's draw succeeds once,
 * only when sold out; reads of the raffle (tickets claimed, status), of the winners and of a
 * ticket's verification agree with the state. The ticket a claim gets and the winners a draw picks
 * are random: the model takes them as given (as the ledger model takes a draw's winner) and checks
 * the state they imply. A claim of unknown outcome takes a ticket the model cannot name: it counts
 * and marks its address but no number, which is lenient (a later claim of that very number would
 * pass) and never wrongly strict.
 */
import { CellModelState, CellResult, type CellOp } from './cell-ops.js';

export const PrizeOpCode = { Claim: 0, Draw: 1, Get: 2, Winners: 3, Verify: 4 } as const;

export const PrizeResult = {
  ...CellResult,
  AlreadyParticipated: 2,
  SoldOut: 3,
  TicketsRemaining: 4,
  AlreadyDrawn: 5,
  NotDrawn: 6,
  VerificationFailed: 7,
  /** An answer no state explains (a number out of range, a status that contradicts its count). */
  Impossible: 8,
} as const;

/** Get's status, as `outs[1]`. */
export const PrizeStatus = { Open: 0, SoldOut: 1, Drawn: 2 } as const;

/** Cells: 0 the tickets claimed, 1 the draw; then ticket numbers and addresses as they appear. */
export const claimedCell = 0;
export const drawnCell = 1;
export const firstPrizeKeyCell = 2;

/**
 * Cell positions in an operation: claim `[claimed, ticket, address]`, draw and get
 * `[claimed, drawn]`, winners `[drawn]`, verify `[drawn, ticket]`. Outputs: claim `[ticket]`, draw
 * and winners `[winners id]`, get `[claimed, status]`.
 */
export class PrizeModelState extends CellModelState {
  constructor(
    cells: number,
    knownStart: boolean,
    private readonly ticketCount: number,
  ) {
    super(cells, knownStart);
  }

  observes(op: CellOp): boolean {
    return (
      op.code === PrizeOpCode.Get ||
      op.code === PrizeOpCode.Winners ||
      op.code === PrizeOpCode.Verify ||
      (op.result !== PrizeResult.Ok && op.result !== PrizeResult.Unknown)
    );
  }

  protected step(op: CellOp): boolean {
    const [c0 = -2, c1 = -2, c2 = -2] = op.cells;
    const total = this.ticketCount;
    if (op.result === PrizeResult.Impossible) return false;
    switch (op.code) {
      case PrizeOpCode.Claim:
        if (op.result === PrizeResult.AlreadyParticipated) return this.observe(c2, 1);
        if (op.result === PrizeResult.SoldOut)
          return this.observe(c0, total) && this.observe(c2, 0);
        if (!this.below(c0, total) || !this.observe(c1, 0) || !this.observe(c2, 0)) return false;
        this.add(c0, 1);
        this.add(c1, 1);
        this.add(c2, 1);
        return true;
      case PrizeOpCode.Draw:
        if (op.result === PrizeResult.AlreadyDrawn) return this.atLeast(c1, 1);
        if (op.result === PrizeResult.TicketsRemaining)
          return this.observe(c1, 0) && this.below(c0, total);
        if (!this.observe(c1, 0) || !this.observe(c0, total)) return false;
        this.add(c1, op.outs[0] as number);
        return true;
      case PrizeOpCode.Get: {
        if (!this.observe(c0, op.outs[0] as number)) return false;
        return op.outs[1] === PrizeStatus.Drawn ? this.atLeast(c1, 1) : this.observe(c1, 0);
      }
      case PrizeOpCode.Winners:
        return this.observe(c0, op.result === PrizeResult.NotDrawn ? 0 : (op.outs[0] as number));
      case PrizeOpCode.Verify:
        if (op.result === PrizeResult.NotDrawn) return this.observe(c0, 0);
        return (
          this.atLeast(c0, 1) &&
          this.observe(c1, op.result === PrizeResult.VerificationFailed ? 0 : 1)
        );
      default:
        return false;
    }
  }
}
