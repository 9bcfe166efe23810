/**
 * The structures the ledger benchmark compares, behind one interface, and the inputs they all
 * receive. Each target runs whole batches inside its own methods, so every timed loop calls one
 * concrete class (monomorphic call sites) and no target pays for another's dispatch.
 *
 * - `ledger`: the service's `Ledger` (business rules, result objects, draw record, unbiased index
 *   from seed bytes): what a command really costs in process.
 * - `skiplist`: the `WeightedSkipList` alone, driven the way the ledger drives it.
 * - `fenwick`: the Fenwick-tree baseline (bench/fenwick-ledger.ts).
 * - `naive`: the reference model the property tests trust (test/support/reference-ledger.ts): a
 *   Map plus an array, with linear scans for draws, listings and removals.
 *
 * All structure-level targets apply the same rules, so the same inputs give the same outcomes;
 * the smoke test holds them to it.
 */
import { Ledger } from '../src/kinds/ledger/ledger.js';
import { WeightedSkipList } from '../src/kinds/ledger/weighted-skip-list.js';
import { ReferenceWeightedList } from '../test/support/reference-ledger.js';
import { FenwickLedger } from './fenwick-ledger.js';

export const implNames = ['ledger', 'skiplist', 'fenwick', 'naive'] as const;
export type ImplName = (typeof implNames)[number];

/**
 * `lookup` (a participant's balance: the name map alone) runs first and changes nothing; it is
 * the floor under every operation that names a participant.
 */
export const opNames = ['lookup', 'issueNew', 'issueExisting', 'transfer', 'draw', 'page'] as const;
export type OpName = (typeof opNames)[number];

/** Participants listed per page, as a client paging through the listing would ask. */
export const pageLimit = 100;

/** splitmix32: the seeded generator every input comes from, so runs are comparable. */
export function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Name of the i-th participant admitted when the structure is built. */
export function initialName(i: number): string {
  return `participant-${i}`;
}

/** Tickets of every initial participant: 1 to 4, so there are a little more tickets than people. */
export function initialWeights(size: number, seed: number): Uint8Array {
  const random = splitmix32(seed ^ 0x5eed);
  const weights = new Uint8Array(size);
  for (let i = 0; i < size; i++) weights[i] = 1 + (random() & 3);
  return weights;
}

/** Inputs of one operation for every repetition: slice [rep * count, (rep + 1) * count). */
export interface OpInputs {
  names: string[];
  others: string[];
  counts: Float64Array;
  /** Uniform numbers in [0, 1): a draw picks ticket floor(u * total). */
  uniforms: Float64Array;
  /** Random bytes for the ledger's draws (16 per draw). */
  seeds: Uint8Array[];
  /** Listing cursors: admission seqs of random initial participants. */
  cursors: Float64Array;
}

/**
 * Pre-generates `count` inputs per repetition for one operation, outside any timed loop. Names
 * are fresh string objects, as they would be when parsed from a request.
 */
export function makeInputs(
  op: OpName,
  size: number,
  count: number,
  reps: number,
  seed: number,
): OpInputs {
  const random = splitmix32(seed ^ (opNames.indexOf(op) * 0x1000193));
  const n = count * reps;
  const inputs: OpInputs = {
    names: [],
    others: [],
    counts: new Float64Array(n),
    uniforms: new Float64Array(n),
    seeds: [],
    cursors: new Float64Array(n),
  };
  const pick = (): number => random() % size;
  for (let k = 0; k < n; k++) {
    switch (op) {
      case 'issueNew':
        inputs.names.push(`newcomer-${k}`);
        inputs.counts[k] = 1 + (random() & 3);
        break;
      case 'lookup':
      case 'issueExisting':
        inputs.names.push(initialName(pick()));
        inputs.counts[k] = 1;
        break;
      case 'transfer': {
        const from = pick();
        let to = pick();
        if (to === from) to = (to + 1) % size;
        inputs.names.push(initialName(from));
        inputs.others.push(initialName(to));
        inputs.counts[k] = 1;
        break;
      }
      case 'draw': {
        inputs.uniforms[k] = random() / 2 ** 32;
        const bytes = new Uint8Array(16);
        for (let b = 0; b < 16; b += 4) {
          const word = random();
          bytes[b] = word & 255;
          bytes[b + 1] = (word >>> 8) & 255;
          bytes[b + 2] = (word >>> 16) & 255;
          bytes[b + 3] = word >>> 24;
        }
        inputs.seeds.push(bytes);
        break;
      }
      case 'page':
        inputs.cursors[k] = pick();
        break;
    }
  }
  // Template literals make cons strings, which V8 flattens (allocating) on first hashing; names
  // parsed from a request body are flat already, so flatten them here, outside the timing.
  inputs.names = flatStrings(inputs.names);
  inputs.others = flatStrings(inputs.others);
  return inputs;
}

function flatStrings(strings: string[]): string[] {
  return JSON.parse(JSON.stringify(strings)) as string[];
}

/**
 * Receives, untimed, the tickets of the newcomers of an issueNew batch, so the participant count
 * stays put between repetitions; every target does the same, so their states stay equal.
 */
const anchorName = initialName(0);

/**
 * One structure under test. Batch methods run inputs [from, to) and return a checksum of the
 * outcomes (so the work cannot be optimised away, and so targets can be compared).
 */
export interface BenchTarget {
  readonly impl: ImplName;
  readonly size: number;
  readonly totalWeight: number;
  build(weights: Uint8Array): void;
  /** Reads the balance of each named participant. */
  lookupBatch(inputs: OpInputs, from: number, to: number): number;
  issueBatch(inputs: OpInputs, from: number, to: number): number;
  transferBatch(inputs: OpInputs, from: number, to: number): number;
  /** Draws and removes one ticket per input; writes each winner into `winners[k]`. */
  drawBatch(inputs: OpInputs, winners: string[], from: number, to: number): number;
  pageBatch(inputs: OpInputs, from: number, to: number): number;
  /** Untimed: moves each newcomer's tickets to the anchor participant, so the newcomer leaves. */
  undoIssueNew(inputs: OpInputs, from: number, to: number): void;
  /** Untimed: gives each winner their ticket back. */
  undoDraws(winners: string[], from: number, to: number): void;
  /** Every balance in admission order. */
  balances(): [string, number][];
}

class SkipListTarget implements BenchTarget {
  readonly impl = 'skiplist';
  private readonly list = new WeightedSkipList({ seed: 1 });

  get size(): number {
    return this.list.size;
  }

  get totalWeight(): number {
    return this.list.totalWeight;
  }

  build(weights: Uint8Array): void {
    for (let i = 0; i < weights.length; i++) this.list.add(initialName(i), weights[i]!);
  }

  lookupBatch(inputs: OpInputs, from: number, to: number): number {
    const { names } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) checksum += list.weightOf(names[k]!);
    return checksum;
  }

  issueBatch(inputs: OpInputs, from: number, to: number): number {
    const { names, counts } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const name = names[k]!;
      const node = list.find(name);
      checksum += node === undefined ? list.add(name, counts[k]!) : list.addAt(node, counts[k]!);
    }
    return checksum;
  }

  transferBatch(inputs: OpInputs, from: number, to: number): number {
    const { names, others, counts } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const count = counts[k]!;
      const donor = list.find(names[k]!);
      if (donor === undefined || list.weightAt(donor) < count) {
        checksum -= 1;
        continue;
      }
      const recipientName = others[k]!;
      const recipient = list.find(recipientName);
      checksum += list.subtractAt(donor, count);
      checksum +=
        recipient === undefined ? list.add(recipientName, count) : list.addAt(recipient, count);
    }
    return checksum;
  }

  drawBatch(inputs: OpInputs, winners: string[], from: number, to: number): number {
    const { uniforms } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const node = list.nodeAt(Math.floor(uniforms[k]! * list.totalWeight));
      winners[k] = list.nameOf(node);
      checksum += list.subtractAt(node, 1);
    }
    return checksum;
  }

  pageBatch(inputs: OpInputs, from: number, to: number): number {
    const { cursors } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const page = list.entriesAfter(cursors[k]!, pageLimit);
      checksum += page.length === 0 ? 0 : page[page.length - 1]!.weight;
    }
    return checksum;
  }

  undoIssueNew(inputs: OpInputs, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      const name = inputs.names[k]!;
      const tickets = this.list.weightOf(name);
      this.list.subtract(name, tickets);
      this.list.add(anchorName, tickets);
    }
  }

  undoDraws(winners: string[], from: number, to: number): void {
    for (let k = from; k < to; k++) this.list.add(winners[k]!, 1);
  }

  balances(): [string, number][] {
    return [...this.list.entries()].map((e): [string, number] => [e.name, e.weight]);
  }
}

class FenwickTarget implements BenchTarget {
  readonly impl = 'fenwick';
  private readonly tree = new FenwickLedger();

  get size(): number {
    return this.tree.size;
  }

  get totalWeight(): number {
    return this.tree.totalWeight;
  }

  build(weights: Uint8Array): void {
    for (let i = 0; i < weights.length; i++) this.tree.add(initialName(i), weights[i]!);
  }

  lookupBatch(inputs: OpInputs, from: number, to: number): number {
    const { names } = inputs;
    const tree = this.tree;
    let checksum = 0;
    for (let k = from; k < to; k++) checksum += tree.weightOf(names[k]!);
    return checksum;
  }

  issueBatch(inputs: OpInputs, from: number, to: number): number {
    const { names, counts } = inputs;
    const tree = this.tree;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const name = names[k]!;
      const slot = tree.find(name);
      checksum += slot === undefined ? tree.add(name, counts[k]!) : tree.addAt(slot, counts[k]!);
    }
    return checksum;
  }

  transferBatch(inputs: OpInputs, from: number, to: number): number {
    const { names, others, counts } = inputs;
    const tree = this.tree;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const count = counts[k]!;
      const donor = tree.find(names[k]!);
      if (donor === undefined || tree.weightAt(donor) < count) {
        checksum -= 1;
        continue;
      }
      const recipientName = others[k]!;
      const recipient = tree.find(recipientName);
      checksum += tree.subtractAt(donor, count);
      checksum +=
        recipient === undefined ? tree.add(recipientName, count) : tree.addAt(recipient, count);
    }
    return checksum;
  }

  drawBatch(inputs: OpInputs, winners: string[], from: number, to: number): number {
    const { uniforms } = inputs;
    const tree = this.tree;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const slot = tree.slotAt(Math.floor(uniforms[k]! * tree.totalWeight));
      winners[k] = tree.nameOf(slot);
      checksum += tree.subtractAt(slot, 1);
    }
    return checksum;
  }

  pageBatch(inputs: OpInputs, from: number, to: number): number {
    const { cursors } = inputs;
    const tree = this.tree;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const page = tree.entriesAfter(cursors[k]!, pageLimit);
      checksum += page.length === 0 ? 0 : page[page.length - 1]!.weight;
    }
    return checksum;
  }

  undoIssueNew(inputs: OpInputs, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      const slot = this.tree.find(inputs.names[k]!)!;
      const tickets = this.tree.weightAt(slot);
      this.tree.subtractAt(slot, tickets);
      this.tree.add(anchorName, tickets);
    }
  }

  undoDraws(winners: string[], from: number, to: number): void {
    for (let k = from; k < to; k++) this.tree.add(winners[k]!, 1);
  }

  balances(): [string, number][] {
    return this.tree.entries().map((e): [string, number] => [e.name, e.weight]);
  }
}

class NaiveTarget implements BenchTarget {
  readonly impl = 'naive';
  private readonly list = new ReferenceWeightedList();

  get size(): number {
    return this.list.size;
  }

  get totalWeight(): number {
    return this.list.totalWeight;
  }

  build(weights: Uint8Array): void {
    for (let i = 0; i < weights.length; i++) this.list.add(initialName(i), weights[i]!);
  }

  lookupBatch(inputs: OpInputs, from: number, to: number): number {
    const { names } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) checksum += list.weightOf(names[k]!);
    return checksum;
  }

  issueBatch(inputs: OpInputs, from: number, to: number): number {
    const { names, counts } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) checksum += list.add(names[k]!, counts[k]!);
    return checksum;
  }

  transferBatch(inputs: OpInputs, from: number, to: number): number {
    const { names, others, counts } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const donor = names[k]!;
      const count = counts[k]!;
      if (list.weightOf(donor) < count) {
        checksum -= 1;
        continue;
      }
      checksum += list.subtract(donor, count) + list.add(others[k]!, count);
    }
    return checksum;
  }

  drawBatch(inputs: OpInputs, winners: string[], from: number, to: number): number {
    const { uniforms } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const winner = list.nameAt(Math.floor(uniforms[k]! * list.totalWeight));
      winners[k] = winner;
      checksum += list.subtract(winner, 1);
    }
    return checksum;
  }

  pageBatch(inputs: OpInputs, from: number, to: number): number {
    const { cursors } = inputs;
    const list = this.list;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const page = list.entriesAfter(cursors[k]!, pageLimit);
      checksum += page.length === 0 ? 0 : page[page.length - 1]!.weight;
    }
    return checksum;
  }

  undoIssueNew(inputs: OpInputs, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      const name = inputs.names[k]!;
      const tickets = this.list.weightOf(name);
      this.list.subtract(name, tickets);
      this.list.add(anchorName, tickets);
    }
  }

  undoDraws(winners: string[], from: number, to: number): void {
    for (let k = from; k < to; k++) this.list.add(winners[k]!, 1);
  }

  balances(): [string, number][] {
    return [...this.list.entries()].map((e): [string, number] => [e.name, e.weight]);
  }
}

/** Big enough for any benchmark size, so the ledger's own limit never refuses a newcomer. */
const participantsMax = 2 ** 30;

class LedgerTarget implements BenchTarget {
  readonly impl = 'ledger';
  private readonly ledger = new Ledger({
    id: 'bench',
    name: 'Bench',
    createdAtMs: 0,
    levelSeed: 1,
    participantsMax,
  });

  get size(): number {
    return this.ledger.participantCount;
  }

  get totalWeight(): number {
    return this.ledger.totalTickets;
  }

  build(weights: Uint8Array): void {
    for (let i = 0; i < weights.length; i++) this.ledger.issue(initialName(i), weights[i]!);
  }

  lookupBatch(inputs: OpInputs, from: number, to: number): number {
    const { names } = inputs;
    const ledger = this.ledger;
    let checksum = 0;
    for (let k = from; k < to; k++) checksum += ledger.ticketsOf(names[k]!);
    return checksum;
  }

  issueBatch(inputs: OpInputs, from: number, to: number): number {
    const { names, counts } = inputs;
    const ledger = this.ledger;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const result = ledger.issue(names[k]!, counts[k]!);
      checksum += result.ok ? result.value.tickets : -1;
    }
    return checksum;
  }

  transferBatch(inputs: OpInputs, from: number, to: number): number {
    const { names, others, counts } = inputs;
    const ledger = this.ledger;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const result = ledger.transfer(names[k]!, others[k]!, counts[k]!);
      checksum += result.ok ? result.value.from.tickets + result.value.to.tickets : -1;
    }
    return checksum;
  }

  drawBatch(inputs: OpInputs, winners: string[], from: number, to: number): number {
    const { seeds } = inputs;
    const ledger = this.ledger;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const result = ledger.draw(seeds[k]!, 0);
      if (!result.ok) throw new Error(result.message);
      winners[k] = result.value.username;
      checksum += result.value.ticketsLeft;
    }
    return checksum;
  }

  pageBatch(inputs: OpInputs, from: number, to: number): number {
    const { cursors } = inputs;
    const ledger = this.ledger;
    let checksum = 0;
    for (let k = from; k < to; k++) {
      const page = ledger.participants(cursors[k]!, pageLimit).participants;
      checksum += page.length === 0 ? 0 : page[page.length - 1]!.tickets;
    }
    return checksum;
  }

  undoIssueNew(inputs: OpInputs, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      const name = inputs.names[k]!;
      this.ledger.transfer(name, anchorName, this.ledger.ticketsOf(name));
    }
  }

  undoDraws(winners: string[], from: number, to: number): void {
    for (let k = from; k < to; k++) this.ledger.issue(winners[k]!, 1);
  }

  balances(): [string, number][] {
    return [...this.ledger.balancesInOrder()].map((b): [string, number] => [b.username, b.tickets]);
  }
}

export function createTarget(impl: ImplName): BenchTarget {
  switch (impl) {
    case 'ledger':
      return new LedgerTarget();
    case 'skiplist':
      return new SkipListTarget();
    case 'fenwick':
      return new FenwickTarget();
    case 'naive':
      return new NaiveTarget();
  }
}
