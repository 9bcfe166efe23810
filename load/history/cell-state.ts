/**
 * The state every kind's linearizability model is made of: numbered cells, each a value
 * `x + delta` whose starting point `x` is known to lie in [lo, hi], changed in place with a trail
 * of changes to undo, and hashed incrementally (Zobrist: the XOR of one hash per cell that differs
 * from the initial state), so a step and its undo cost O(1) however many cells there are.
 *
 * Checking a whole history, every cell starts known at 0 (a fresh raffle). Checking a window cut
 * out of a history, the state at its start is unknown: cells start with `x` in [0, ∞) and each
 * observation narrows them, so a window is judged "not linearizable" only if no starting state
 * explains it. Kinds write their models as steps over these primitives (`add`, `observe`,
 * `atLeast`, `below`, `assign`, `forget`), which keeps one undo trail and one hash for all of them.
 *
 * The slack is the ledger's: tickets removed by draws of unknown outcome and not yet attributed to
 * a participant, which a later observation of a balance below the model's may claim. Models that
 * do not need it never touch it.
 */

/** A cell the model does not track: changes to it are dropped and observations accepted. */
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

export class CellState {
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly delta: Float64Array;
  private readonly initialHi: number;
  /** Decrements of unknown place (the ledger's unattributed draws). */
  protected slack = 0;
  private hA = 0;
  private hB = 0;
  /** Changes: cell (or -1 for the slack), old lo, old hi, old delta. */
  private trail: number[] = [];

  /**
   * @param cells how many cells the model has
   * @param knownStart every cell starts at 0; otherwise at an unknown value in [0, ∞)
   */
  constructor(cells: number, knownStart: boolean) {
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

  /** Whether the model drops changes to `cell` and accepts any observation of it. */
  protected ignores(cell: number): boolean {
    return cell === ignoredCell;
  }

  /** The cell's value when it is known exactly, else undefined. */
  protected known(cell: number): number | undefined {
    const lo = this.lo[cell] as number;
    return lo === this.hi[cell] ? lo + (this.delta[cell] as number) : undefined;
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

  protected setSlack(slack: number): void {
    this.trail.push(-1, this.slack, 0, 0);
    this.writeSlack(slack);
  }

  protected add(cell: number, amount: number): void {
    if (this.ignores(cell)) return;
    this.set(
      cell,
      this.lo[cell] as number,
      this.hi[cell] as number,
      (this.delta[cell] as number) + amount,
    );
  }

  /** The cell now holds `value`, whatever it held (what it held before is forgotten). */
  protected assign(cell: number, value: number): void {
    if (this.ignores(cell)) return;
    if (this.known(cell) !== value) this.set(cell, value, value, 0);
  }

  /** The cell now holds an unknown value in [0, ∞): a change the model cannot follow. */
  protected forget(cell: number): void {
    if (this.ignores(cell)) return;
    if (this.hi[cell] !== Number.POSITIVE_INFINITY || this.lo[cell] !== 0 || this.delta[cell]) {
      this.set(cell, 0, Number.POSITIVE_INFINITY, 0);
    }
  }

  /**
   * The cell is seen holding `value`. Up to `slack` unattributed decrements may explain a value
   * below the model's: the fewest needed are attributed to this cell.
   */
  protected observe(cell: number, value: number, slack = 0): boolean {
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

  /** The cell holds at least `min`. */
  protected atLeast(cell: number, min: number): boolean {
    if (this.ignores(cell)) return true;
    const lo = this.lo[cell] as number;
    const hi = this.hi[cell] as number;
    const delta = this.delta[cell] as number;
    const newLo = Math.max(lo, min - delta);
    if (newLo > hi) return false;
    if (newLo !== lo) this.set(cell, newLo, hi, delta);
    return true;
  }

  /** The cell may hold less than `bound`: its value less any unattributed decrements. */
  protected below(cell: number, bound: number): boolean {
    if (this.ignores(cell)) return true;
    const lo = this.lo[cell] as number;
    const hi = this.hi[cell] as number;
    const delta = this.delta[cell] as number;
    const newHi = Math.min(hi, bound - 1 - delta + this.slack);
    if (lo > newHi) return false;
    if (newHi !== hi) this.set(cell, lo, newHi, delta);
    return true;
  }

  /** Runs `step` and keeps its changes only if it accepts. */
  protected attempt(step: () => boolean): boolean {
    const mark = this.trail.length;
    if (step()) return true;
    this.undoTo(mark);
    return false;
  }
}
