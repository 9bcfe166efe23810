/**
 * A Fisher–Yates shuffle of 0..size-1 done one step at a time, without an array of `size` values.
 *
 * The classic forward shuffle keeps an array `a` of the values; step `k` picks a position `j`
 * uniformly in [k, size), swaps `a[k]` and `a[j]` and hands out the new `a[k]`. Here the array is
 * virtual: a position holds its own index unless the sparse map `moved` says otherwise, and a
 * position below the step count is never read again, so its entry is dropped. The map therefore
 * holds exactly the positions at or past the step count whose value is not their own index: at
 * most one entry per step taken, none at start. Creating a shuffle of ten million values costs the
 * same as one of ten, and memory grows with the values handed out. The price is a map lookup per
 * step instead of an array read, and the caller supplies the uniform offset (from stamped random
 * bytes), so the shuffle itself stays deterministic.
 */

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`lazy shuffle assertion failed: ${message}`);
}

export class LazyShuffle {
  private readonly moved: Map<number, number>;
  private steps: number;

  /**
   * A shuffle of 0..size-1 with `steps` values already handed out and the positions `moved`
   * holds (as `entries()` gave them); a new shuffle without them.
   */
  constructor(
    readonly size: number,
    restored?: { steps: number; moved: Iterable<readonly [number, number]> },
  ) {
    assert(Number.isSafeInteger(size) && size >= 0, 'the size is a whole number');
    this.steps = restored?.steps ?? 0;
    this.moved = new Map(restored?.moved ?? []);
  }

  /** Values handed out so far. */
  get taken(): number {
    return this.steps;
  }

  get remaining(): number {
    return this.size - this.steps;
  }

  /** Entries of the sparse map now, as [position, value]. */
  get movedCount(): number {
    return this.moved.size;
  }

  private valueAt(position: number): number {
    return this.moved.get(position) ?? position;
  }

  /**
   * Hands out the next value: the one at position `steps + offset`, where `offset` must be
   * uniform in [0, remaining) for the order to be a uniform shuffle.
   */
  next(offset: number): number {
    assert(this.remaining > 0, 'a value remains');
    assert(Number.isSafeInteger(offset) && offset >= 0 && offset < this.remaining, 'offset fits');
    const step = this.steps;
    const picked = step + offset;
    const value = this.valueAt(picked);
    // The value at the current step moves to the picked position (the swap). Values only ever
    // move to higher positions, so the value moved is below the picked position: no entry maps a
    // position to itself, and the map holds only positions whose value differs from their own.
    if (picked !== step) this.moved.set(picked, this.valueAt(step));
    this.moved.delete(step);
    this.steps = step + 1;
    return value;
  }

  /** The sparse map's entries, [position, value], in the map's order. */
  entries(): IterableIterator<[number, number]> {
    return this.moved.entries();
  }

  /**
   * Checks the map against the values handed out (`isTaken`): together they must describe a
   * permutation. Each entry's position is one not yet stepped over and holds a smaller value
   * (values only move up);
   * values are distinct and none was handed out; a value that is itself a later position must be
   * moved away from there (or it would appear twice). `takenValues` lists the values handed out:
   * each lies below the step count or at a moved position, or it would still be in the array.
   * Costs O(steps + entries), never O(size).
   */
  checkInvariants(takenValues: Iterable<number>, isTaken: (value: number) => boolean): void {
    assert(this.steps <= this.size, 'no more steps than values');
    const seen = new Set<number>();
    for (const [position, value] of this.moved) {
      assert(position >= this.steps && position < this.size, `position ${position} is ahead`);
      assert(Number.isSafeInteger(value) && value >= 0 && value < this.size, `value ${value} fits`);
      assert(value < position, `position ${position} holds a value moved up to it`);
      assert(!seen.has(value), `value ${value} is at one position only`);
      seen.add(value);
      assert(!isTaken(value), `value ${value} at position ${position} was not handed out`);
      if (value >= this.steps) assert(this.moved.has(value), `value ${value} left its position`);
    }
    let count = 0;
    for (const value of takenValues) {
      count += 1;
      assert(value < this.steps || this.moved.has(value), `handed-out ${value} left the array`);
    }
    assert(count === this.steps, 'one handed-out value per step');
  }
}
