/**
 * A deliberately naive model of `WeightedSkipList` for tests: a plain array of entries in
 * admission order plus a Map, with every query answered by a linear scan. It is slow on purpose,
 * so that it is obviously correct and the real structure can be compared against it.
 */
import type { WeightedEntry } from '../../src/kinds/ledger/weighted-skip-list.js';

export class ReferenceWeightedList {
  private readonly list: WeightedEntry[] = [];
  private readonly byName = new Map<string, WeightedEntry>();
  private seqCounter = 1;

  /** The seq the next admitted name gets. */
  get nextSeq(): number {
    return this.seqCounter;
  }

  get size(): number {
    return this.list.length;
  }

  get totalWeight(): number {
    let total = 0;
    for (const entry of this.list) total += entry.weight;
    return total;
  }

  weightOf(name: string): number {
    return this.byName.get(name)?.weight ?? 0;
  }

  seqOf(name: string): number | undefined {
    return this.byName.get(name)?.seq;
  }

  /** Adds delta to name's weight, appending name with a fresh seq when absent. */
  add(name: string, delta: number): number {
    if (!Number.isSafeInteger(delta) || delta <= 0) throw new Error('add: bad delta');
    let entry = this.byName.get(name);
    if (entry === undefined) {
      entry = { name, weight: 0, seq: this.seqCounter++ };
      this.list.push(entry);
      this.byName.set(name, entry);
    }
    entry.weight += delta;
    return entry.weight;
  }

  /** Subtracts delta from name's weight, dropping the entry when the weight reaches 0. */
  subtract(name: string, delta: number): number {
    const entry = this.byName.get(name);
    if (entry === undefined) throw new Error('subtract: absent name');
    if (!Number.isSafeInteger(delta) || delta <= 0 || delta > entry.weight) {
      throw new Error('subtract: bad delta');
    }
    entry.weight -= delta;
    if (entry.weight === 0) {
      this.list.splice(this.list.indexOf(entry), 1);
      this.byName.delete(name);
    }
    return entry.weight;
  }

  /** The owner of ticket r, found by walking the cumulative weights from the start. */
  nameAt(r: number): string {
    let end = 0;
    for (const entry of this.list) {
      end += entry.weight;
      if (r < end) return entry.name;
    }
    throw new Error(`nameAt: ${r} is out of range`);
  }

  entriesAfter(afterSeq: number, limit: number): WeightedEntry[] {
    return this.list
      .filter((entry) => entry.seq > afterSeq)
      .slice(0, limit)
      .map((entry) => ({ ...entry }));
  }

  entries(): IterableIterator<WeightedEntry> {
    return this.list.map((entry) => ({ ...entry }))[Symbol.iterator]();
  }
}
