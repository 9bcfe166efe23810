import { describe, it, expect } from 'vitest';
import { WeightedSkipList } from '../../src/kinds/ledger/weighted-skip-list.js';

/**
 * A white-box subclass: node heights can be scripted (falling back to the seeded generator when
 * the script runs out), and the internals can be read or corrupted on purpose.
 */
class ScriptedList extends WeightedSkipList {
  heightScript: number[] = [];

  constructor(initialCapacity = 1024) {
    super({ seed: 7, initialCapacity });
  }

  protected override randomHeight(): number {
    return this.heightScript.shift() ?? super.randomHeight();
  }

  nodeOf(name: string): number | undefined {
    return this.index.get(name);
  }

  towerOfName(name: string): number {
    return this.tower[this.index.get(name)!]!;
  }

  get capacity(): number {
    return this.seqs.length;
  }

  corruptSpan(name: string, level: number, by: number): void {
    const node = this.index.get(name)!;
    this.setSpanAt(node, level, this.spanAt(node, level) + by);
  }

  corruptWeight(name: string, by: number): void {
    const node = this.index.get(name)!;
    this.weights[node] = this.weights[node]! + by;
  }

  corruptSeq(name: string, seq: number): void {
    this.seqs[this.index.get(name)!] = seq;
  }

  corruptTotal(by: number): void {
    this.total += by;
  }

  corruptMap(name: string): void {
    this.index.delete(name);
  }

  corruptParent(name: string, parentName: string): void {
    this.parent[this.index.get(name)!] = this.index.get(parentName)!;
  }

  parentOf(name: string): string {
    const parent = this.parent[this.index.get(name)!]!;
    return parent === 0 ? '(head)' : this.names[parent]!;
  }
}

type Pair = [string, number];

/** Entries as [name, weight] pairs, after checking every invariant. */
function pairs(list: WeightedSkipList): Pair[] {
  list.checkInvariants();
  return [...list.entries()].map((e): Pair => [e.name, e.weight]);
}

/** Every ticket's owner, by expanding the weights (small totals only). */
function owners(list: WeightedSkipList): string[] {
  const result: string[] = [];
  for (let r = 0; r < list.totalWeight; r++) result.push(list.nameAt(r));
  return result;
}

function build(heights: number[], weights: Pair[]): ScriptedList {
  const list = new ScriptedList();
  list.heightScript = [...heights];
  for (const [name, weight] of weights) {
    list.add(name, weight);
    list.checkInvariants();
  }
  return list;
}

/** Six nodes of mixed heights and weights, used where every ticket boundary is probed. */
function sixNodes() {
  return build(
    [1, 3, 1, 2, 4, 1],
    [
      ['a', 1],
      ['b', 5],
      ['c', 2],
      ['d', 1],
      ['e', 7],
      ['f', 3],
    ],
  );
}

describe('WeightedSkipList', () => {
  it('starts empty', () => {
    const list = new WeightedSkipList({ seed: 1 });
    list.checkInvariants();
    expect(list.size).toBe(0);
    expect(list.totalWeight).toBe(0);
    expect(list.weightOf('a')).toBe(0);
    expect(list.seqOf('a')).toBeUndefined();
    expect([...list.entries()]).toEqual([]);
    expect(list.entriesAfter(0, 10)).toEqual([]);
    expect(() => list.nameAt(0)).toThrow(/out of range/);
  });

  it('add: new name appended at the end', () => {
    const list = build(
      [2, 1, 3],
      [
        ['a', 3],
        ['b', 1],
        ['c', 2],
      ],
    );
    expect(pairs(list)).toEqual([
      ['a', 3],
      ['b', 1],
      ['c', 2],
    ]);
    expect([list.seqOf('a'), list.seqOf('b'), list.seqOf('c')]).toEqual([1, 2, 3]);
    expect(list.size).toBe(3);
    expect(list.totalWeight).toBe(6);
    expect(owners(list)).toEqual(['a', 'a', 'a', 'b', 'c', 'c']);
  });

  it('add: existing name keeps its place and seq, returns the new weight', () => {
    const list = build(
      [3, 1, 2],
      [
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ],
    );
    expect(list.add('b', 4)).toBe(5);
    expect(list.add('a', 2)).toBe(3);
    expect(list.add('c', 1)).toBe(2);
    expect(pairs(list)).toEqual([
      ['a', 3],
      ['b', 5],
      ['c', 2],
    ]);
    expect(list.seqOf('b')).toBe(2);
    expect(owners(list)).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'b', 'b', 'c', 'c']);
  });

  it('subtract: partial subtraction keeps the node in place', () => {
    const list = build(
      [1, 3, 2],
      [
        ['a', 2],
        ['b', 5],
        ['c', 1],
      ],
    );
    expect(list.subtract('b', 3)).toBe(2);
    expect(pairs(list)).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 1],
    ]);
    expect(owners(list)).toEqual(['a', 'a', 'b', 'b', 'c']);
  });

  it('subtract: removing the first node', () => {
    const list = build(
      [2, 1, 2],
      [
        ['a', 2],
        ['b', 1],
        ['c', 3],
      ],
    );
    expect(list.subtract('a', 2)).toBe(0);
    expect(pairs(list)).toEqual([
      ['b', 1],
      ['c', 3],
    ]);
    expect(list.weightOf('a')).toBe(0);
    expect(list.seqOf('a')).toBeUndefined();
    expect(owners(list)).toEqual(['b', 'c', 'c', 'c']);
  });

  it('subtract: removing the last node', () => {
    const list = build(
      [1, 2, 3],
      [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ],
    );
    list.subtract('c', 3);
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    // The tail pointers must have moved back, so the next append lands after 'b'.
    list.heightScript = [4];
    list.add('d', 1);
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['b', 2],
      ['d', 1],
    ]);
    expect(owners(list)).toEqual(['a', 'b', 'b', 'd']);
  });

  it('subtract: removing the only node', () => {
    const list = build([5], [['a', 4]]);
    expect(list.levels).toBe(5);
    list.subtract('a', 4);
    expect(pairs(list)).toEqual([]);
    expect(list.size).toBe(0);
    expect(list.totalWeight).toBe(0);
    expect(list.levels).toBe(1);
    list.heightScript = [2];
    list.add('b', 2);
    expect(pairs(list)).toEqual([['b', 2]]);
    expect(owners(list)).toEqual(['b', 'b']);
  });

  it('subtract: removing a node taller than its neighbours', () => {
    const list = build(
      [2, 1, 6, 1, 2],
      [
        ['a', 1],
        ['b', 2],
        ['c', 3],
        ['d', 4],
        ['e', 5],
      ],
    );
    expect(list.heightOf('c')).toBe(6);
    expect(list.levels).toBe(6);
    list.subtract('c', 3);
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['b', 2],
      ['d', 4],
      ['e', 5],
    ]);
    expect(list.levels).toBe(2);
    expect(list.nameAt(2)).toBe('b');
    expect(list.nameAt(3)).toBe('d');
    expect(list.nameAt(6)).toBe('d');
    expect(list.nameAt(7)).toBe('e');
    expect(list.nameAt(11)).toBe('e');
  });

  it('subtract: removing a node shorter than its neighbours', () => {
    const list = build(
      [3, 1, 3],
      [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ],
    );
    list.subtract('b', 2);
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['c', 3],
    ]);
    expect(list.levels).toBe(3);
    expect(owners(list)).toEqual(['a', 'c', 'c', 'c']);
  });

  it('add/subtract: a node at max height (32)', () => {
    const list = build(
      [1, 32, 1],
      [
        ['a', 1],
        ['top', 2],
        ['c', 3],
      ],
    );
    expect(list.heightOf('top')).toBe(32);
    expect(list.levels).toBe(32);
    expect(owners(list)).toEqual(['a', 'top', 'top', 'c', 'c', 'c']);
    list.add('top', 5);
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['top', 7],
      ['c', 3],
    ]);
    list.subtract('c', 2);
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['top', 7],
      ['c', 1],
    ]);
    list.heightScript = [32];
    list.add('top2', 1);
    expect(list.heightOf('top2')).toBe(32);
    expect(owners(list).join('')).toBe('atoptoptoptoptoptoptopctop2');
    list.subtract('top', 7);
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['c', 1],
      ['top2', 1],
    ]);
    expect(list.levels).toBe(32);
    list.subtract('top2', 1);
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['c', 1],
    ]);
    expect(list.levels).toBe(1);
  });

  it('the seeded generator alone produces max-height-capable, deterministic heights', () => {
    const heightsFor = (seed: number): number[] => {
      const list = new WeightedSkipList({ seed });
      for (let i = 0; i < 2000; i++) list.add(`n${i}`, 1);
      list.checkInvariants();
      return [...list.entries()].map((e) => list.heightOf(e.name));
    };
    const first = heightsFor(12345);
    expect(heightsFor(12345)).toEqual(first);
    expect(heightsFor(54321)).not.toEqual(first);
    // With p = 1/4 about a quarter of the nodes have height >= 2 and the tallest reach ~6.
    const tall = first.filter((h) => h >= 2).length;
    expect(tall).toBeGreaterThan(400);
    expect(tall).toBeLessThan(600);
    expect(Math.max(...first)).toBeGreaterThanOrEqual(4);
  });

  it('re-adding a removed name gets a new seq and goes to the end', () => {
    const list = build(
      [1, 2, 1],
      [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ],
    );
    expect(list.seqOf('a')).toBe(1);
    list.subtract('a', 1);
    list.add('a', 4);
    expect(list.seqOf('a')).toBe(4);
    expect(pairs(list)).toEqual([
      ['b', 2],
      ['c', 3],
      ['a', 4],
    ]);
    list.subtract('c', 3);
    list.add('c', 1);
    expect(list.seqOf('c')).toBe(5);
    expect(pairs(list)).toEqual([
      ['b', 2],
      ['a', 4],
      ['c', 1],
    ]);
  });

  it('free list: removed node slots and towers are reused', () => {
    const list = build(
      [3, 1, 3],
      [
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ],
    );
    const slotA = list.nodeOf('a');
    const towerA = list.towerOfName('a');
    list.subtract('a', 1);
    list.heightScript = [3];
    list.add('d', 2);
    expect(list.nodeOf('d')).toBe(slotA);
    expect(list.towerOfName('d')).toBe(towerA);
    const slotB = list.nodeOf('b');
    list.subtract('b', 1);
    list.heightScript = [2];
    list.add('e', 1);
    expect(list.nodeOf('e')).toBe(slotB);
    expect(pairs(list)).toEqual([
      ['c', 1],
      ['d', 2],
      ['e', 1],
    ]);
  });

  it('growth past initialCapacity keeps everything intact', () => {
    const list = new ScriptedList(2);
    expect(list.capacity).toBe(3);
    // Tall nodes force the tower arena to grow too.
    list.heightScript = Array.from({ length: 300 }, (_, i) => 1 + (i % 9));
    const expected: Pair[] = [];
    for (let i = 0; i < 300; i++) {
      list.add(`p${i}`, i + 1);
      expected.push([`p${i}`, i + 1]);
      if (i % 37 === 0) list.checkInvariants();
    }
    expect(list.capacity).toBeGreaterThanOrEqual(301);
    expect(pairs(list)).toEqual(expected);
    expect(list.totalWeight).toBe((300 * 301) / 2);
    expect(list.nameAt(0)).toBe('p0');
    expect(list.nameAt(list.totalWeight - 1)).toBe('p299');
    expect(list.nameAt(3)).toBe('p2');
  });

  it('nameAt at boundaries: 0, each w-1/w boundary, total-1', () => {
    const list = sixNodes();
    expect(list.nameAt(0)).toBe('a');
    let start = 0;
    for (const { name, weight } of list.entries()) {
      expect(list.nameAt(start)).toBe(name);
      expect(list.nameAt(start + weight - 1)).toBe(name);
      start += weight;
    }
    expect(start).toBe(list.totalWeight);
    expect(list.nameAt(list.totalWeight - 1)).toBe('f');
    expect(() => list.nameAt(list.totalWeight)).toThrow(/out of range/);
    expect(() => list.nameAt(-1)).toThrow(/out of range/);
    expect(() => list.nameAt(0.5)).toThrow(/out of range/);
  });

  it('weights near Number.MAX_SAFE_INTEGER stay exact', () => {
    const list = build(
      [2, 3],
      [
        ['big', 2 ** 52],
        ['bigger', 2 ** 52 - 1],
      ],
    );
    expect(list.totalWeight).toBe(Number.MAX_SAFE_INTEGER);
    expect(list.nameAt(0)).toBe('big');
    expect(list.nameAt(2 ** 52 - 1)).toBe('big');
    expect(list.nameAt(2 ** 52)).toBe('bigger');
    expect(list.nameAt(Number.MAX_SAFE_INTEGER - 1)).toBe('bigger');
    expect(() => list.add('x', 1)).toThrow(/exceed/);
    expect(list.subtract('big', 2 ** 52 - 1)).toBe(1);
    list.checkInvariants();
    expect(list.nameAt(0)).toBe('big');
    expect(list.nameAt(1)).toBe('bigger');
    list.add('x', 2 ** 52 - 1);
    expect(list.totalWeight).toBe(Number.MAX_SAFE_INTEGER);
    expect(list.nameAt(2 ** 53 - 2)).toBe('x');
    expect(list.nameAt(2 ** 52)).toBe('x');
    expect(list.nameAt(2 ** 52 - 1)).toBe('bigger');
    list.subtract('bigger', 2 ** 52 - 1);
    expect(pairs(list)).toEqual([
      ['big', 1],
      ['x', 2 ** 52 - 1],
    ]);
  });

  it('entriesAfter: pagination across removals', () => {
    const list = new WeightedSkipList({ seed: 99 });
    for (let i = 1; i <= 20; i++) list.add(`n${i}`, i);
    const page1 = list.entriesAfter(0, 5);
    expect(page1.map((e) => e.name)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    // Remove the cursor's own node and the next one: the next page resumes after the cursor.
    const cursor = page1[page1.length - 1]!.seq;
    list.subtract('n5', 5);
    list.subtract('n6', 6);
    list.add('n1', 1);
    list.checkInvariants();
    const page2 = list.entriesAfter(cursor, 5);
    expect(page2).toEqual([
      { name: 'n7', weight: 7, seq: 7 },
      { name: 'n8', weight: 8, seq: 8 },
      { name: 'n9', weight: 9, seq: 9 },
      { name: 'n10', weight: 10, seq: 10 },
      { name: 'n11', weight: 11, seq: 11 },
    ]);
    // A re-admitted name shows up at the end of the pagination, with its new seq.
    list.add('n5', 1);
    const rest: string[] = [];
    let after = page2[page2.length - 1]!.seq;
    for (;;) {
      const page = list.entriesAfter(after, 4);
      if (page.length === 0) break;
      rest.push(...page.map((e) => e.name));
      after = page[page.length - 1]!.seq;
    }
    expect(rest).toEqual(['n12', 'n13', 'n14', 'n15', 'n16', 'n17', 'n18', 'n19', 'n20', 'n5']);
    expect(list.entriesAfter(after, 10)).toEqual([]);
    expect(list.entriesAfter(0, 0)).toEqual([]);
    expect(list.entriesAfter(1000, 3)).toEqual([]);
  });

  it('parents: the last taller node before each node, kept through appends and removals', () => {
    const list = build(
      [1, 3, 1, 2, 1, 4, 2, 1],
      [
        ['a', 1],
        ['b', 2],
        ['c', 3],
        ['d', 4],
        ['e', 5],
        ['f', 6],
        ['g', 7],
        ['h', 8],
      ],
    );
    const parents = (): string[] =>
      [...list.entries()].map((e) => `${e.name}<${list.parentOf(e.name)}`);
    expect(parents()).toEqual([
      'a<(head)',
      'b<(head)',
      'c<b',
      'd<b',
      'e<d',
      'f<(head)',
      'g<f',
      'h<g',
    ]);
    // Removing b (height 3) hands its children c and d to the predecessors at their levels.
    list.subtract('b', 2);
    expect(parents()).toEqual([
      'a<(head)',
      'c<(head)',
      'd<(head)',
      'e<d',
      'f<(head)',
      'g<f',
      'h<g',
    ]);
    // Removing the tallest node: its children find the next taller node before it.
    list.subtract('f', 6);
    expect(parents()).toEqual(['a<(head)', 'c<(head)', 'd<(head)', 'e<d', 'g<(head)', 'h<g']);
    list.heightScript = [1];
    list.add('i', 1);
    expect(parents()).toEqual([
      'a<(head)',
      'c<(head)',
      'd<(head)',
      'e<d',
      'g<(head)',
      'h<g',
      'i<g',
    ]);
    expect(owners(list).join('')).toBe('acccddddeeeeeggggggghhhhhhhhi');
  });

  it('handles: find, weightAt, nameOf, addAt and subtractAt agree with the name API', () => {
    const list = build(
      [2, 1, 3],
      [
        ['a', 3],
        ['b', 1],
        ['c', 2],
      ],
    );
    const b = list.find('b')!;
    expect(b).toBe(list.nodeOf('b'));
    expect(list.find('nobody')).toBeUndefined();
    expect(list.weightAt(b)).toBe(1);
    expect(list.nameOf(b)).toBe('b');
    expect(list.addAt(b, 4)).toBe(5);
    expect(list.weightOf('b')).toBe(5);
    const a = list.find('a')!;
    expect(list.subtractAt(a, 2)).toBe(1);
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['b', 5],
      ['c', 2],
    ]);
    expect(owners(list)).toEqual(['a', 'b', 'b', 'b', 'b', 'b', 'c', 'c']);
    // Emptying a node removes it and ends its handle.
    expect(list.subtractAt(a, 1)).toBe(0);
    expect(list.find('a')).toBeUndefined();
    expect(() => list.weightAt(a)).toThrow(/not a live node handle/);
    expect(() => list.addAt(a, 1)).toThrow(/not a live node handle/);
    expect(() => list.subtractAt(a, 1)).toThrow(/not a live node handle/);
    expect(() => list.nameOf(0)).toThrow(/not a live node handle/);
    expect(() => list.addAt(b, 0)).toThrow(/delta/);
    expect(() => list.subtractAt(b, 6)).toThrow(/exceeds/);
    expect(pairs(list)).toEqual([
      ['b', 5],
      ['c', 2],
    ]);
  });

  it('nodeAt: the handle of the ticket owner; a change right after a descent stays exact', () => {
    const list = sixNodes();
    for (let r = 0; r < list.totalWeight; r++) {
      expect(list.nameOf(list.nodeAt(r))).toBe(list.nameAt(r));
    }
    // Take tickets through nodeAt then subtractAt/addAt on the found node, and on another node
    // between the descent and the change: every span must stay exact.
    const total = list.totalWeight;
    for (let k = 0; k < 12; k++) {
      const node = list.nodeAt((k * 7) % list.totalWeight);
      if (k % 3 === 1) list.addAt(list.find('f')!, 1);
      if (k % 3 === 2) list.addAt(node, 2);
      else list.subtractAt(node, 1);
      list.checkInvariants();
    }
    // Four takes, four (add to f, take) pairs, four adds of 2.
    expect(list.totalWeight).toBe(total - 4 + 4 * 2);
    expect(() => list.nodeAt(list.totalWeight)).toThrow(/out of range/);
  });

  it('the observable state does not depend on the seed', () => {
    const run = (seed: number): unknown => {
      const list = new WeightedSkipList({ seed, initialCapacity: 4 });
      for (let i = 0; i < 200; i++) list.add(`n${i % 37}`, (i % 5) + 1);
      for (let i = 0; i < 200; i += 3) {
        const name = `n${i % 37}`;
        const w = list.weightOf(name);
        if (w > 0) list.subtract(name, Math.min(w, 2));
      }
      list.checkInvariants();
      const draws = Array.from({ length: 50 }, (_, k) =>
        list.nameAt((k * 7919) % list.totalWeight),
      );
      return { entries: [...list.entries()], draws };
    };
    const reference = run(0);
    for (const seed of [1, 2, 0xffffffff, 123456789]) expect(run(seed)).toEqual(reference);
  });

  it('precondition violations throw', () => {
    const list = new WeightedSkipList({ seed: 3 });
    list.add('a', 2);
    expect(() => list.add('a', 0)).toThrow(/delta/);
    expect(() => list.add('a', -1)).toThrow(/delta/);
    expect(() => list.add('a', 1.5)).toThrow(/delta/);
    expect(() => list.add('a', Number.NaN)).toThrow(/delta/);
    expect(() => list.subtract('b', 1)).toThrow(/absent/);
    expect(() => list.subtract('a', 3)).toThrow(/exceeds/);
    expect(() => list.subtract('a', 0)).toThrow(/delta/);
    expect(() => list.entriesAfter(0, -1)).toThrow(/limit/);
    expect(() => new WeightedSkipList({ seed: -1 })).toThrow(/seed/);
    expect(() => new WeightedSkipList({ seed: 2 ** 32 })).toThrow(/seed/);
    expect(() => new WeightedSkipList({ seed: 1, initialCapacity: 0 })).toThrow(/initialCapacity/);
    expect(pairs(list)).toEqual([['a', 2]]);
  });

  describe('checkInvariants detects corruption', () => {
    const corrupted = (): ScriptedList =>
      build(
        [1, 3, 2, 1],
        [
          ['a', 1],
          ['b', 2],
          ['c', 3],
          ['d', 4],
        ],
      );

    it('a level-0 span', () => {
      // A level-0 span is the node's own weight, so the sum of weights no longer matches.
      const list = corrupted();
      list.corruptSpan('b', 0, 1);
      expect(() => list.checkInvariants()).toThrow(/total 10 equals the sum of weights 11/);
    });

    it('a level-0 span, with the total adjusted to match', () => {
      // The upper level still covers the old weight: the span check names the segment.
      const list = corrupted();
      list.corruptSpan('b', 0, 1);
      list.corruptTotal(1);
      expect(() => list.checkInvariants()).toThrow(/span at level 1 after 'b'/);
    });

    it('a parent link', () => {
      const list = corrupted();
      expect(list.parentOf('d')).toBe('c');
      list.corruptParent('d', 'b');
      expect(() => list.checkInvariants()).toThrow(/parent of 'd' is the last taller node/);
    });

    it('an upper-level span', () => {
      const list = corrupted();
      list.corruptSpan('b', 2, -1);
      expect(() => list.checkInvariants()).toThrow(/span at level 2 after 'b'/);
    });

    it('a weight', () => {
      const list = corrupted();
      list.corruptWeight('c', -3);
      expect(() => list.checkInvariants()).toThrow(/weight of 'c'/);
    });

    it('the total', () => {
      const list = corrupted();
      list.corruptTotal(1);
      expect(() => list.checkInvariants()).toThrow(/total/);
    });

    it('the seq order', () => {
      const list = corrupted();
      list.corruptSeq('c', 1);
      expect(() => list.checkInvariants()).toThrow(/seqs strictly increasing/);
    });

    it('the name map', () => {
      const list = corrupted();
      list.corruptMap('d');
      expect(() => list.checkInvariants()).toThrow(/map entry of 'd'/);
    });
  });
});
