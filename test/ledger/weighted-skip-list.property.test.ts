import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { WeightedSkipList } from '../../src/kinds/ledger/weighted-skip-list.js';
import { ReferenceWeightedList } from '../support/reference-ledger.js';

/**
 * Random operation sequences run against the skip list and the naive reference model, comparing
 * the whole observable state and checking every invariant after each step. Names come from a
 * small pool so the same name is added, emptied and re-admitted many times.
 */

type Op =
  | { kind: 'add'; who: number; delta: number }
  | { kind: 'subtract'; who: number; pick: number }
  | { kind: 'draw'; pick: number }
  | { kind: 'removeAll'; who: number }
  | { kind: 'addAt'; who: number; delta: number }
  | { kind: 'take'; pick: number };

/** A subclass whose heights are replayed from a generated list, to reach tall towers often. */
class ScriptedHeights extends WeightedSkipList {
  private cursor = 0;

  constructor(
    seed: number,
    private readonly script: number[],
  ) {
    super({ seed, initialCapacity: 1 });
  }

  protected override randomHeight(): number {
    if (this.script.length === 0) return super.randomHeight();
    const height = this.script[this.cursor % this.script.length]!;
    this.cursor++;
    return height;
  }
}

function opArbitrary(pool: number, maxDelta: number): fc.Arbitrary<Op> {
  const who = fc.nat({ max: pool - 1 });
  const pick = fc.maxSafeNat();
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('add' as const),
        who,
        delta: fc.integer({ min: 1, max: maxDelta }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('subtract' as const), who, pick }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('draw' as const), pick }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeAll' as const), who }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('addAt' as const),
        who,
        delta: fc.integer({ min: 1, max: maxDelta }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('take' as const), pick }) },
  );
}

/** Applies one operation to both structures (skipping it when its precondition fails). */
function apply(
  op: Op,
  list: WeightedSkipList,
  model: ReferenceWeightedList,
  names: string[],
): void {
  switch (op.kind) {
    case 'add': {
      const name = names[op.who]!;
      expect(list.add(name, op.delta)).toBe(model.add(name, op.delta));
      break;
    }
    case 'subtract': {
      const name = names[op.who]!;
      const weight = model.weightOf(name);
      if (weight === 0) {
        expect(() => list.subtract(name, 1)).toThrow(/absent/);
        break;
      }
      const delta = 1 + (op.pick % weight);
      expect(list.subtract(name, delta)).toBe(model.subtract(name, delta));
      break;
    }
    case 'draw': {
      const total = model.totalWeight;
      if (total === 0) break;
      const r = op.pick % total;
      const winner = model.nameAt(r);
      expect(list.nameAt(r)).toBe(winner);
      expect(list.subtract(winner, 1)).toBe(model.subtract(winner, 1));
      break;
    }
    case 'addAt': {
      // The handle API, as the ledger uses it: one lookup, then the change on the node.
      const name = names[op.who]!;
      const node = list.find(name);
      expect(node === undefined).toBe(model.weightOf(name) === 0);
      const weight = node === undefined ? list.add(name, op.delta) : list.addAt(node, op.delta);
      expect(weight).toBe(model.add(name, op.delta));
      break;
    }
    case 'take': {
      // A draw through handles: the node found by the descent loses one ticket.
      const total = model.totalWeight;
      if (total === 0) break;
      const r = op.pick % total;
      const node = list.nodeAt(r);
      const winner = model.nameAt(r);
      expect(list.nameOf(node)).toBe(winner);
      expect(list.weightAt(node)).toBe(model.weightOf(winner));
      expect(list.subtractAt(node, 1)).toBe(model.subtract(winner, 1));
      break;
    }
    case 'removeAll': {
      const name = names[op.who]!;
      const weight = model.weightOf(name);
      if (weight === 0) break;
      expect(list.subtract(name, weight)).toBe(0);
      model.subtract(name, weight);
      break;
    }
  }
}

/** Compares everything observable, with probes of nameAt and entriesAfter derived from `pick`. */
function compare(
  list: WeightedSkipList,
  model: ReferenceWeightedList,
  names: string[],
  pick: number,
): void {
  list.checkInvariants();
  const entries = [...list.entries()];
  expect(entries).toEqual([...model.entries()]);
  expect(list.size).toBe(model.size);
  expect(list.totalWeight).toBe(model.totalWeight);
  for (const name of names) {
    expect(list.weightOf(name)).toBe(model.weightOf(name));
    expect(list.seqOf(name)).toBe(model.seqOf(name));
  }
  const total = model.totalWeight;
  if (total > 0) {
    const probes = [
      0,
      total - 1,
      pick % total,
      Math.floor(total / 2),
      ((pick % total) * 31 + 7) % total,
    ];
    // Ticket boundaries are where an off-by-one would show: the first ticket of each entry.
    let start = 0;
    for (const entry of entries) {
      probes.push(start);
      start += entry.weight;
    }
    for (const r of probes) expect(list.nameAt(r)).toBe(model.nameAt(r));
  }
  const cursor = entries.length === 0 ? 0 : entries[pick % entries.length]!.seq;
  const limit = pick % 4;
  expect(list.entriesAfter(cursor, limit)).toEqual(model.entriesAfter(cursor, limit));
  expect(list.entriesAfter(0, entries.length + 1)).toEqual(entries);
}

function runScenario(list: WeightedSkipList, pool: number, ops: Op[]): void {
  const names = Array.from({ length: pool }, (_, i) => `user-${i}`);
  const model = new ReferenceWeightedList();
  compare(list, model, names, 0);
  ops.forEach((op, step) => {
    apply(op, list, model, names);
    compare(list, model, names, step * 2654435761);
  });
}

const seedArb = fc.integer({ min: 0, max: 0xffffffff });

const scenario = (maxDelta: number, maxPool: number) =>
  fc
    .integer({ min: 1, max: maxPool })
    .chain((pool) =>
      fc.tuple(
        fc.constant(pool),
        fc.array(opArbitrary(pool, maxDelta), { minLength: 1, maxLength: 200 }),
      ),
    );

describe('WeightedSkipList against the reference model', () => {
  it('matches on random add/subtract/draw/removeAll sequences with small weights', () => {
    fc.assert(
      fc.property(seedArb, scenario(5, 8), (seed, [pool, ops]) => {
        runScenario(new WeightedSkipList({ seed, initialCapacity: 2 }), pool, ops);
      }),
      { numRuns: 1500 },
    );
  }, 60_000);

  it('matches with larger weights (up to 2^40)', () => {
    fc.assert(
      fc.property(seedArb, scenario(2 ** 40, 12), (seed, [pool, ops]) => {
        runScenario(new WeightedSkipList({ seed }), pool, ops);
      }),
      { numRuns: 600 },
    );
  }, 60_000);

  it('matches whatever the node heights are (scripted heights up to 32)', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.array(fc.integer({ min: 1, max: 32 }), { maxLength: 16 }),
        scenario(20, 16),
        (seed, heights, [pool, ops]) => {
          runScenario(new ScriptedHeights(seed, heights), pool, ops);
        },
      ),
      { numRuns: 600 },
    );
  }, 60_000);
});

describe('WeightedSkipList.restore', () => {
  it('rebuilds a list that goes on exactly like the original (seqs, cursors, ownership)', () => {
    fc.assert(
      fc.property(seedArb, scenario(50, 10), fc.nat(), (seed, [pool, ops], cut) => {
        const names = Array.from({ length: pool }, (_, i) => `user-${i}`);
        const model = new ReferenceWeightedList();
        let list = new WeightedSkipList({ seed, initialCapacity: 1 });
        const restoreAt = cut % (ops.length + 1);
        ops.forEach((op, step) => {
          if (step === restoreAt) {
            const counters = list.counters();
            list = WeightedSkipList.restore(counters, [...list.entries()]);
            expect(list.counters()).toEqual(counters);
          }
          apply(op, list, model, names);
          compare(list, model, names, step * 40503);
        });
      }),
      { numRuns: 500 },
    );
  }, 60_000);

  it('refuses entries whose seqs do not increase or reach nextSeq', () => {
    const counters = { nextSeq: 3, randomState: 7 };
    const entry = (name: string, seq: number) => ({ name, weight: 1, seq });
    expect(() => WeightedSkipList.restore(counters, [entry('a', 2), entry('b', 1)])).toThrow(
      /seqs increase/,
    );
    expect(() => WeightedSkipList.restore(counters, [entry('a', 3)])).toThrow(/seqs increase/);
    expect(() => WeightedSkipList.restore(counters, [{ name: 'a', weight: 0, seq: 1 }])).toThrow(
      /weight positive/,
    );
    expect(() => WeightedSkipList.restore(counters, [entry('a', 1), entry('a', 2)])).toThrow(
      /unique/,
    );
  });
});
