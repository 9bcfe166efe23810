/**
 * The benchmark's baseline: the same weighted ledger built on a Fenwick tree (binary indexed
 * tree, Fenwick 1994, "A new data structure for cumulative frequency tables") instead of the
 * weighted skip list. Participants take consecutive slots in admission order, so a slot number
 * plays the role of the skip list's admission seq and ticket r belongs to the first slot whose
 * prefix sum passes r, exactly as in the skip list. A weight change and a draw are O(log n) with
 * tight loops over one Float64Array; the trade-off is that a slot is never reused: a participant
 * who leaves leaves a zero-weight hole behind, which the listing skips by scanning.
 *
 * It exists to give every skip-list figure a ratio against a well-understood structure measured
 * in the same run on the same machine, and as a second model the smoke test compares against.
 */

/** Throws when a condition does not hold; messages are constant so a passing check is free. */
function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`FenwickLedger: ${message}`);
}

export interface FenwickEntry {
  name: string;
  weight: number;
  /** The slot number (1-based), which is also the admission order. */
  seq: number;
}

export class FenwickLedger {
  /** tree[i] = sum of weights of slots (i - lowbit(i), i]; 1-based, covering slots 1..used. */
  private tree: Float64Array;
  private weights: Float64Array;
  private names: string[] = [''];
  private readonly index = new Map<string, number>();
  private used = 0;
  private total = 0;
  /** Highest power of two <= used, the first step of the prefix search. */
  private topBit = 0;

  constructor(initialCapacity = 1024) {
    this.tree = new Float64Array(initialCapacity + 1);
    this.weights = new Float64Array(initialCapacity + 1);
  }

  get size(): number {
    return this.index.size;
  }

  get totalWeight(): number {
    return this.total;
  }

  /** Slot of a participant, or undefined when absent. */
  find(name: string): number | undefined {
    return this.index.get(name);
  }

  weightAt(slot: number): number {
    return this.weights[slot]!;
  }

  nameOf(slot: number): string {
    return this.names[slot]!;
  }

  weightOf(name: string): number {
    const slot = this.index.get(name);
    return slot === undefined ? 0 : this.weights[slot]!;
  }

  /** Adds delta to name's weight, appending a slot when absent. Returns the new weight. */
  add(name: string, delta: number): number {
    const slot = this.index.get(name);
    return slot === undefined ? this.append(name, delta) : this.addAt(slot, delta);
  }

  addAt(slot: number, delta: number): number {
    this.update(slot, delta);
    const weight = this.weights[slot]! + delta;
    this.weights[slot] = weight;
    this.total += delta;
    return weight;
  }

  /** Subtracts delta (<= weight); at zero the participant leaves and the slot stays a hole. */
  subtractAt(slot: number, delta: number): number {
    const weight = this.weights[slot]! - delta;
    assert(weight >= 0, 'subtract: delta exceeds the weight');
    this.update(slot, -delta);
    this.weights[slot] = weight;
    this.total -= delta;
    if (weight === 0) {
      this.index.delete(this.names[slot]!);
      this.names[slot] = '';
    }
    return weight;
  }

  /** The slot owning ticket r, 0 <= r < totalWeight: binary lifting over the tree. */
  slotAt(r: number): number {
    assert(r >= 0 && r < this.total, 'slotAt: r is out of range');
    const { tree, used } = this;
    let position = 0;
    let rest = r;
    for (let step = this.topBit; step > 0; step >>= 1) {
      const next = position + step;
      if (next <= used && tree[next]! <= rest) {
        position = next;
        rest -= tree[next]!;
      }
    }
    return position + 1;
  }

  nameAt(r: number): string {
    return this.names[this.slotAt(r)]!;
  }

  /** Up to `limit` live entries after slot `afterSeq`, found by scanning the slots. */
  entriesAfter(afterSeq: number, limit: number): FenwickEntry[] {
    const result: FenwickEntry[] = [];
    const { weights, names, used } = this;
    for (let slot = Math.max(0, Math.floor(afterSeq)) + 1; slot <= used; slot++) {
      if (result.length === limit) break;
      const weight = weights[slot]!;
      if (weight > 0) result.push({ name: names[slot]!, weight, seq: slot });
    }
    return result;
  }

  /** All live entries in admission order. */
  entries(): FenwickEntry[] {
    return this.entriesAfter(0, this.index.size);
  }

  private update(slot: number, delta: number): void {
    const { tree, used } = this;
    for (let i = slot; i <= used; i += i & -i) tree[i] = tree[i]! + delta;
  }

  private prefix(slot: number): number {
    const { tree } = this;
    let sum = 0;
    for (let i = slot; i > 0; i -= i & -i) sum += tree[i]!;
    return sum;
  }

  /** Appends a slot: its tree entry is its weight plus the slots it covers before it. */
  private append(name: string, weight: number): number {
    if (this.used + 1 === this.tree.length) this.grow();
    const slot = ++this.used;
    this.tree[slot] = weight + this.prefix(slot - 1) - this.prefix(slot - (slot & -slot));
    this.weights[slot] = weight;
    this.names[slot] = name;
    this.index.set(name, slot);
    this.total += weight;
    if (this.topBit * 2 <= slot) this.topBit = this.topBit === 0 ? 1 : this.topBit * 2;
    return weight;
  }

  private grow(): void {
    const tree = new Float64Array(this.tree.length * 2);
    tree.set(this.tree);
    this.tree = tree;
    const weights = new Float64Array(this.weights.length * 2);
    weights.set(this.weights);
    this.weights = weights;
  }
}
