/**
 * The ledger kind's model for the linearizability search: per-participant balances, the total and
 * the draw count of one raffle, applied in place with a trail of changes to undo, and hashed
 * incrementally (Zobrist: the XOR of one hash per value that differs from the initial state), so a
 * step and its undo cost O(1) however many participants the raffle holds.
 *
 * Each value is a cell `x + delta` with an unknown starting point `x` in [lo, hi]. Checking a
 * whole history, every cell starts known at 0 (an empty raffle). Checking a window cut out of a
 * history, the state at its start is unknown: cells start with `x` in [0, ∞) and each observation
 * narrows them, so the window is judged "not linearizable" only if no starting state explains it.
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
/**
 * A cell the model does not track: changes to it are dropped and observations of it accepted.
 * Projections of a history onto some cells map the others here.
 */
export const ignoredCell = -2;

const words = new Float64Array(1);
const wordsView = new Int32Array(words.buffer);

function mix(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x85ebca6b);
  return h ^ (h >>> 13);
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function mixNumber(h: number, value: number): number {
  words[0] = value;
  return mix(mix(h, wordsView[0] as number), wordsView[1] as number);
}

function cellHash(seed: number, cell: number, lo: number, hi: number, delta: number): number {
  return finish(mixNumber(mixNumber(mixNumber(mix(seed, cell), lo), hi), delta));
}

const seedA = 0x243f6a88;
const seedB = 0x13198a2e;

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

export class LedgerModelState implements SearchState<LedgerModelOp> {
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly delta: Float64Array;
  private readonly initialHi: number;
  /** Tickets removed by draws of unknown outcome and not yet attributed to a participant. */
  private slack = 0;
  private hA = 0;
  private hB = 0;
  /** Changes: cell (or -1 for the slack), old lo, old hi, old delta. */
  private trail: number[] = [];

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
    this.initialHi = knownStart ? 0 : Number.POSITIVE_INFINITY;
    this.lo = new Float64Array(cells);
    this.hi = new Float64Array(cells).fill(this.initialHi);
    this.delta = new Float64Array(cells);
  }

  hashA(): number {
    return this.hA;
  }

  hashB(): number {
    return this.hB;
  }

  mark(): number {
    return this.trail.length;
  }

  undoTo(mark: number): void {
    const trail = this.trail;
    while (trail.length > mark) {
      const delta = trail.pop() as number;
      const hi = trail.pop() as number;
      const lo = trail.pop() as number;
      const cell = trail.pop() as number;
      if (cell < 0) this.writeSlack(lo);
      else this.write(cell, lo, hi, delta);
    }
  }

  private hashOf(seed: number, cell: number, lo: number, hi: number, delta: number): number {
    return lo === 0 && hi === this.initialHi && delta === 0
      ? 0
      : cellHash(seed, cell, lo, hi, delta);
  }

  private write(cell: number, lo: number, hi: number, delta: number): void {
    const oldLo = this.lo[cell] as number;
    const oldHi = this.hi[cell] as number;
    const oldDelta = this.delta[cell] as number;
    this.hA ^=
      this.hashOf(seedA, cell, oldLo, oldHi, oldDelta) ^ this.hashOf(seedA, cell, lo, hi, delta);
    this.hB ^=
      this.hashOf(seedB, cell, oldLo, oldHi, oldDelta) ^ this.hashOf(seedB, cell, lo, hi, delta);
    this.lo[cell] = lo;
    this.hi[cell] = hi;
    this.delta[cell] = delta;
  }

  private set(cell: number, lo: number, hi: number, delta: number): void {
    this.trail.push(
      cell,
      this.lo[cell] as number,
      this.hi[cell] as number,
      this.delta[cell] as number,
    );
    this.write(cell, lo, hi, delta);
  }

  private writeSlack(slack: number): void {
    const old = this.slack;
    if (old !== 0) {
      this.hA ^= cellHash(seedA, -1, old, 0, 0);
      this.hB ^= cellHash(seedB, -1, old, 0, 0);
    }
    if (slack !== 0) {
      this.hA ^= cellHash(seedA, -1, slack, 0, 0);
      this.hB ^= cellHash(seedB, -1, slack, 0, 0);
    }
    this.slack = slack;
  }

  private setSlack(slack: number): void {
    this.trail.push(-1, this.slack, 0, 0);
    this.writeSlack(slack);
  }

  private ignores(cell: number): boolean {
    return cell === ignoredCell || (cell < firstParticipantCell && !this.tracksTotals);
  }

  private add(cell: number, amount: number): void {
    if (this.ignores(cell)) return;
    this.set(
      cell,
      this.lo[cell] as number,
      this.hi[cell] as number,
      (this.delta[cell] as number) + amount,
    );
  }

  /**
   * The cell is seen holding `value`. Up to `slack` unattributed drawn tickets may explain a value
   * below the model's: the fewest needed are attributed to this cell.
   */
  private observe(cell: number, value: number, slack: number): boolean {
    if (this.ignores(cell)) return true;
    const lo = this.lo[cell] as number;
    const hi = this.hi[cell] as number;
    const delta = this.delta[cell] as number;
    const start = value - delta;
    const attributed = Math.max(0, lo - start);
    if (attributed > slack) return false;
    const x = start + attributed;
    if (x > hi) return false;
    if (lo !== x || hi !== x || attributed !== 0) this.set(cell, x, x, delta - attributed);
    if (attributed !== 0) this.setSlack(this.slack - attributed);
    return true;
  }

  /** The cell holds at least `min` (its upper bound, when draws are unattributed). */
  private atLeast(cell: number, min: number): boolean {
    if (this.ignores(cell)) return true;
    const lo = this.lo[cell] as number;
    const hi = this.hi[cell] as number;
    const delta = this.delta[cell] as number;
    const newLo = Math.max(lo, min - delta);
    if (newLo > hi) return false;
    if (newLo !== lo) this.set(cell, newLo, hi, delta);
    return true;
  }

  /** The cell may hold less than `bound`: its value less any unattributed draws. */
  private below(cell: number, bound: number): boolean {
    if (this.ignores(cell)) return true;
    const lo = this.lo[cell] as number;
    const hi = this.hi[cell] as number;
    const delta = this.delta[cell] as number;
    const newHi = Math.min(hi, bound - 1 - delta + this.slack);
    if (lo > newHi) return false;
    if (newHi !== hi) this.set(cell, lo, newHi, delta);
    return true;
  }

  interacts(a: LedgerModelOp, b: LedgerModelOp): boolean {
    const cellsA = touched(a);
    const cellsB = touched(b);
    if (cellsA === undefined || cellsB === undefined) return true;
    return cellsA.some((cell) => cell !== ignoredCell && cellsB.includes(cell));
  }

  observes(op: LedgerModelOp): boolean {
    return (
      op.code === LedgerOpCode.GetParticipant ||
      op.code === LedgerOpCode.GetRaffle ||
      op.result === LedgerResult.NotFound ||
      op.result === LedgerResult.Insufficient ||
      op.result === LedgerResult.Empty
    );
  }

  apply(op: LedgerModelOp): boolean {
    const mark = this.trail.length;
    if (this.step(op)) return true;
    this.undoTo(mark);
    return false;
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
