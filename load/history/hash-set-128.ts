/**
 * A set of 128-bit keys (four 32-bit words), open addressing with linear probing in one typed
 * array: the memo of the linearizability search, which may hold millions of (linearized set,
 * model state) fingerprints and is probed at every step. Typed arrays keep it out of the garbage
 * collector's way and cost 16 bytes a key instead of a string or an object each.
 *
 * The all-zero key marks an empty slot, so it is kept apart in a flag.
 */
export class HashSet128 {
  private slots: Int32Array;
  private mask: number;
  private count = 0;
  private hasZero = false;

  constructor(capacityLog2 = 12) {
    this.slots = new Int32Array(4 << capacityLog2);
    this.mask = (1 << capacityLog2) - 1;
  }

  get size(): number {
    return this.count + (this.hasZero ? 1 : 0);
  }

  /** Adds the key; answers false when it was already there. */
  add(a: number, b: number, c: number, d: number): boolean {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    if ((a | b | c | d) === 0) {
      if (this.hasZero) return false;
      this.hasZero = true;
      return true;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    return this.insert(a, b, c, d);
  }

  private insert(a: number, b: number, c: number, d: number): boolean {
    const slots = this.slots;
    let index = (a ^ Math.imul(c, 0x9e3779b1)) & this.mask;
    for (;;) {
      const at = index << 2;
      const sa = slots[at] as number;
      const sb = slots[at + 1] as number;
      const sc = slots[at + 2] as number;
      const sd = slots[at + 3] as number;
      if ((sa | sb | sc | sd) === 0) {
        slots[at] = a;
        slots[at + 1] = b;
        slots[at + 2] = c;
        slots[at + 3] = d;
        this.count += 1;
        return true;
      }
      if (sa === a && sb === b && sc === c && sd === d) return false;
      index = (index + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    this.count = 0;
    for (let at = 0; at < old.length; at += 4) {
      const a = old[at] as number;
      const b = old[at + 1] as number;
      const c = old[at + 2] as number;
      const d = old[at + 3] as number;
      if ((a | b | c | d) !== 0) this.insert(a, b, c, d);
    }
  }
}
