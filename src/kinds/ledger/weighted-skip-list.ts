/**
 * The ticket ledger's core index: an indexable skip list whose links carry weights (ticket counts)
 * instead of node counts, so "which participant owns ticket r" is answered in O(log n) by
 * descending from the top level, and a participant's weight changes in O(log n).
 *
 * Nodes are kept in admission order: each newly admitted name gets the next sequence number
 * (`seq`, a float64 counter starting at 1) and is appended at the end, so the list is sorted by
 * seq and every search compares numbers in typed arrays, never strings. A name that leaves (its
 * weight reaches 0) and comes back is admitted again with a fresh seq. Node heights come from a
 * seeded splitmix32 generator held in the instance; they influence speed only, never the
 * observable order, weights or ticket ownership.
 *
 * Representation and main trade-off: to reach 10^7 participants in a few GiB there is no object
 * per node. Nodes are indices into growable struct-of-arrays typed arrays (doubled when full, with
 * a free list of removed indices threaded through `next0`). Level 0 (`next0`, and the weight as
 * its span) is stored per node; levels 1..h-1 of a node of height h live in a separate tower
 * arena as h-1 consecutive slots starting at `tower[node]`, with one free list per height so
 * released towers are reused exactly. An arena slot is a 16-byte link record — the span (float64),
 * then the slot of the next node at the same level and the next node itself (int32 each), read
 * through aliased Float64Array/Int32Array views of one buffer — so a step of a descent touches
 * one cache line and needs no `tower[]` lookup, and moving down a level is `slot - 1`. With
 * p = 1/4 a node needs 1/3 of an upper slot on average, so a node costs about 38 bytes of typed
 * arrays instead of the 32 levels × 16 bytes a fixed LEVEL_MAX layout would take. (The per-node
 * fields stay plain parallel arrays: interleaving them into records was measured slower.)
 *
 * Span convention (segments): the link at level i leaving node a (to node b, or to the end) owns
 * the segment of the list that starts at a and stops just before b, and its span is the sum of the
 * weights in that segment, a's own weight included (the head weighs 0). So a level-0 span is the
 * node's own weight, and for a node x the segment that contains x at level i starts at x itself
 * when x is taller than i, and otherwise at the last node before x that is taller than i.
 *
 * The second choice that follows from it: every node keeps `parent`, the last node before it that
 * is taller than it (the head when there is none). Following parents from x visits exactly the
 * starts of the segments containing x at the levels x does not reach, so a weight change updates
 * x's own tower and then walks up its parents — O(log n) expected, with no search and no
 * comparison — instead of searching for x's predecessors by seq from the head. Keeping parents
 * costs 4 bytes per node, O(1) on append (the parent is the last node at level h), and on removal
 * re-pointing the removed node's children (about 3 per level of the node, found along its links).
 * Removal finds the node's predecessors by walking forward from its parent, again without a seq
 * search. Nodes are also exposed as handles (`find`, `nodeAt`, `addAt`, `subtractAt`), so the
 * ledger looks a name up once per operation. The splice bookkeeping follows the shape of Redis's
 * zslInsert/zslDeleteNode (t_zset.c, `update[]` of predecessors), with weights for rank counts.
 */

/** Maximum number of levels, as in Redis. */
const LEVEL_MAX = 32;

/** Index meaning "no node" in the link arrays. */
const NIL = -1;

/** Index of the head sentinel in the node arrays. */
const HEAD = 0;

/** Slots of the head's tower (levels 1..LEVEL_MAX-1); it always sits at arena offset 0. */
const HEAD_TOWER_SLOTS = LEVEL_MAX - 1;

/**
 * Throws when a condition does not hold. Callers on hot paths pass constant messages, so a
 * passing check allocates nothing.
 */
function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`WeightedSkipList: ${message}`);
}

export interface WeightedSkipListOptions {
  /** Seed of the level generator (uint32). */
  seed: number;
  /** Initial node capacity. @default 1024 */
  initialCapacity?: number;
}

export interface WeightedEntry {
  name: string;
  weight: number;
  seq: number;
}

/**
 * What a snapshot keeps of a list besides its entries: the admission counter (so cursors and
 * future seqs stay the same) and the level generator's state. Node heights are not kept; a
 * restored list draws fresh ones, which changes speed only, never order, weights or ownership.
 */
export interface WeightedSkipListCounters {
  nextSeq: number;
  randomState: number;
}

/**
 * A node handle: the index of a live participant's node. It stays valid until that participant
 * leaves (its weight reaches 0); after that the index may be reused for someone else.
 */
export type NodeHandle = number;

export class WeightedSkipList {
  // Node arrays, indexed by node; slot 0 is the head sentinel. They are protected rather than
  // private so white-box tests can subclass the list and corrupt them on purpose.
  protected seqs: Float64Array;
  /** The node's weight, which is also the span of its level-0 link. */
  protected weights: Float64Array;
  protected heights: Uint8Array;
  protected next0: Int32Array;
  /** Last node before this one that is taller than it; the head when there is none. */
  protected parent: Int32Array;
  /** Arena offset of the node's levels 1..h-1, or NIL when the node has height 1. */
  protected tower: Int32Array;
  protected names: string[] = [''];
  protected readonly index = new Map<string, number>();

  // Tower arena for levels >= 1: slot s = tower[x] + (i - 1) holds level i of node x, as the
  // record upSpan[2s] (span), upLink[4s + 2] (next node's slot at level i), upLink[4s + 3] (next
  // node); both views share one buffer.
  protected upSpan: Float64Array;
  protected upLink: Int32Array;
  /** First never-used arena slot. */
  protected arenaTop = HEAD_TOWER_SLOTS;
  /** Head of the free list of released towers of each height, linked through the next node. */
  protected readonly freeTowers = new Int32Array(LEVEL_MAX + 1).fill(NIL);

  /** Number of node slots ever handed out, head included. */
  protected used = 1;
  /** Head of the free list of released node slots, linked through next0. */
  protected freeNode = NIL;

  /** Number of levels in use: the greatest height of a live node, at least 1. */
  protected topLevel = 1;
  /** Last node at each level (the head when the level is empty), so appends need no search. */
  protected readonly lastAt = new Int32Array(LEVEL_MAX);
  /** Scratch predecessors of a node being removed, reused to avoid per-operation allocation. */
  private readonly update = new Int32Array(LEVEL_MAX);
  /**
   * The last `nodeAt` descent: the node it found and, per level, the arena slot of the segment
   * containing that node. A draw changes the weight of the node it just found, and these are the
   * very segments to update, so the change skips the walk up the parents. Every mutation clears
   * it (a cache of speed only; it never changes an outcome).
   */
  private descentNode = NIL;
  private readonly descentSlot = new Int32Array(LEVEL_MAX);

  protected total = 0;
  protected nextSeq = 1;
  private randomState: number;

  constructor(options: WeightedSkipListOptions) {
    const { seed, initialCapacity = 1024 } = options;
    assert(
      Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff,
      `seed ${seed} must be a uint32`,
    );
    assert(
      Number.isSafeInteger(initialCapacity) && initialCapacity >= 1 && initialCapacity < 2 ** 30,
      `initialCapacity ${initialCapacity} must be an integer in [1, 2^30)`,
    );
    this.randomState = seed | 0;
    // One extra slot for the head, so initialCapacity participants fit without growing.
    const capacity = initialCapacity + 1;
    this.seqs = new Float64Array(capacity);
    this.weights = new Float64Array(capacity);
    this.heights = new Uint8Array(capacity);
    this.next0 = new Int32Array(capacity);
    this.parent = new Int32Array(capacity);
    this.tower = new Int32Array(capacity);
    // With p = 1/4 the expected number of upper slots is a third of the node count.
    const arenaCapacity = HEAD_TOWER_SLOTS + Math.max(64, Math.ceil(capacity / 2));
    this.upSpan = new Float64Array(2 * arenaCapacity);
    this.upLink = new Int32Array(this.upSpan.buffer);
    this.heights[HEAD] = LEVEL_MAX;
    this.next0[HEAD] = NIL;
    this.parent[HEAD] = NIL;
    this.tower[HEAD] = 0;
    for (let slot = 0; slot < HEAD_TOWER_SLOTS; slot++) this.setLink(slot, NIL, NIL);
  }

  /**
   * Rebuilds a list from its entries in list order (strictly increasing seqs, positive weights)
   * and its counters, as `entries()` and `counters()` gave them. O(n): every entry is appended.
   */
  static restore(
    counters: WeightedSkipListCounters,
    entries: Iterable<WeightedEntry>,
    initialCapacity?: number,
  ): WeightedSkipList {
    const list = new WeightedSkipList({ seed: counters.randomState >>> 0, initialCapacity });
    let previousSeq = 0;
    for (const entry of entries) {
      assert(
        Number.isSafeInteger(entry.seq) && entry.seq > previousSeq && entry.seq < counters.nextSeq,
        'restore: seqs increase and stay below nextSeq',
      );
      assert(Number.isSafeInteger(entry.weight) && entry.weight > 0, 'restore: weight positive');
      assert(!list.index.has(entry.name), 'restore: names are unique');
      assert(list.total + entry.weight <= Number.MAX_SAFE_INTEGER, 'restore: total stays safe');
      previousSeq = entry.seq;
      list.append(entry.name, entry.weight, entry.seq);
    }
    list.nextSeq = counters.nextSeq;
    list.randomState = counters.randomState | 0;
    return list;
  }

  /** The counters a snapshot keeps beside the entries; see `restore`. */
  counters(): WeightedSkipListCounters {
    return { nextSeq: this.nextSeq, randomState: this.randomState >>> 0 };
  }

  /** Number of participants (every one has weight > 0). */
  get size(): number {
    return this.index.size;
  }

  /** Sum of all weights. */
  get totalWeight(): number {
    return this.total;
  }

  weightOf(name: string): number {
    const node = this.index.get(name);
    return node === undefined ? 0 : this.weights[node]!;
  }

  seqOf(name: string): number | undefined {
    const node = this.index.get(name);
    return node === undefined ? undefined : this.seqs[node]!;
  }

  /** Height (number of levels) of name's node, or 0 when absent. Read-only helper for tests. */
  heightOf(name: string): number {
    const node = this.index.get(name);
    return node === undefined ? 0 : this.heights[node]!;
  }

  /** Number of levels currently in use. Read-only helper for tests. */
  get levels(): number {
    return this.topLevel;
  }

  /** The handle of name's node, or undefined when name holds nothing. One map lookup. */
  find(name: string): NodeHandle | undefined {
    return this.index.get(name);
  }

  /** Weight of a live node. */
  weightAt(node: NodeHandle): number {
    this.assertLive(node, 'weightAt');
    return this.weights[node]!;
  }

  /** Name of a live node. */
  nameOf(node: NodeHandle): string {
    this.assertLive(node, 'nameOf');
    return this.names[node]!;
  }

  /**
   * Adds delta (a positive safe integer) to name's weight, inserting name at the end if absent.
   * Returns the new weight.
   */
  add(name: string, delta: number): number {
    assert(Number.isSafeInteger(delta) && delta > 0, 'add: delta must be a positive safe integer');
    assert(this.total + delta <= Number.MAX_SAFE_INTEGER, 'add: total would exceed 2^53 - 1');
    const node = this.index.get(name);
    const weight = node === undefined ? this.append(name, delta) : this.changeWeight(node, delta);
    assert(Number.isSafeInteger(weight) && weight >= delta, 'add: postcondition on the weight');
    return weight;
  }

  /** Adds delta (a positive safe integer) to a live node's weight. Returns the new weight. */
  addAt(node: NodeHandle, delta: number): number {
    this.assertLive(node, 'addAt');
    assert(
      Number.isSafeInteger(delta) && delta > 0,
      'addAt: delta must be a positive safe integer',
    );
    assert(this.total + delta <= Number.MAX_SAFE_INTEGER, 'addAt: total would exceed 2^53 - 1');
    const weight = this.changeWeight(node, delta);
    assert(Number.isSafeInteger(weight) && weight >= delta, 'addAt: postcondition on the weight');
    return weight;
  }

  /**
   * Subtracts delta (positive integer, <= current weight) from name's weight; the node is removed
   * when it reaches 0. Returns the new weight.
   */
  subtract(name: string, delta: number): number {
    const node = this.index.get(name);
    assert(node !== undefined, 'subtract: name is absent');
    return this.subtractAt(node, delta);
  }

  /**
   * Subtracts delta (positive integer, <= current weight) from a live node's weight; the node is
   * removed when it reaches 0, which ends the handle. Returns the new weight.
   */
  subtractAt(node: NodeHandle, delta: number): number {
    this.assertLive(node, 'subtract');
    assert(
      Number.isSafeInteger(delta) && delta > 0,
      'subtract: delta must be a positive safe integer',
    );
    const weight = this.weights[node]!;
    assert(delta <= weight, 'subtract: delta exceeds the weight');
    if (delta === weight) {
      const name = this.names[node]!;
      this.remove(node);
      assert(!this.index.has(name), 'subtract: postcondition, removed name still indexed');
      return 0;
    }
    const rest = this.changeWeight(node, -delta);
    assert(rest === weight - delta && rest > 0, 'subtract: postcondition on the weight');
    return rest;
  }

  /**
   * The name owning ticket index r, 0 <= r < totalWeight, tickets being numbered consecutively
   * along the list order.
   */
  nameAt(r: number): string {
    return this.names[this.nodeAt(r)]!;
  }

  /**
   * The node owning ticket index r, 0 <= r < totalWeight. Descends from the top level, skipping a
   * segment while its span is <= the tickets left to skip.
   */
  nodeAt(r: number): NodeHandle {
    assert(Number.isSafeInteger(r) && r >= 0 && r < this.total, 'nameAt: r is out of range');
    const { upLink, upSpan, next0, weights } = this;
    let x = HEAD;
    // Invariant: r - rest is the number of tickets before x, and ticket r lies in x's segment.
    let rest = r;
    // The head's tower starts at slot 0, so its slot at level i is i - 1.
    const descentSlot = this.descentSlot;
    let slot = this.topLevel - 2;
    for (let i = this.topLevel - 1; i >= 1; i--) {
      let span = upSpan[2 * slot]!;
      // The last segment of a level runs to the end and so holds ticket r: no NIL is followed.
      while (span <= rest) {
        rest -= span;
        x = upLink[4 * slot + 3]!;
        slot = upLink[4 * slot + 2]!;
        span = upSpan[2 * slot]!;
      }
      descentSlot[i] = slot;
      // A tower's slots are consecutive: x's slot one level down.
      slot--;
    }
    // Level 0 segments are single nodes; the head weighs 0, so the loop always leaves it.
    let span = weights[x]!;
    while (span <= rest) {
      rest -= span;
      x = next0[x]!;
      span = weights[x]!;
    }
    assert(x !== HEAD && x !== NIL, 'nameAt: postcondition, the descent ended on a node');
    this.descentNode = x;
    return x;
  }

  /** Up to `limit` entries in list order whose seq is strictly greater than afterSeq. */
  entriesAfter(afterSeq: number, limit: number): WeightedEntry[] {
    assert(Number.isSafeInteger(limit) && limit >= 0, 'entriesAfter: bad limit');
    assert(!Number.isNaN(afterSeq), 'entriesAfter: afterSeq is NaN');
    const { upLink, next0, seqs } = this;
    let x = HEAD;
    let slot = this.topLevel - 2;
    for (let i = this.topLevel - 1; i >= 1; i--) {
      let next = upLink[4 * slot + 3]!;
      while (next !== NIL && seqs[next]! <= afterSeq) {
        x = next;
        slot = upLink[4 * slot + 2]!;
        next = upLink[4 * slot + 3]!;
      }
      slot--;
    }
    let next = next0[x]!;
    while (next !== NIL && seqs[next]! <= afterSeq) next = next0[next]!;
    const result: WeightedEntry[] = [];
    while (next !== NIL && result.length < limit) {
      result.push(this.entryOf(next));
      next = next0[next]!;
    }
    return result;
  }

  /** All entries in list order. The list must not be mutated while the iterator is in use. */
  *entries(): IterableIterator<WeightedEntry> {
    for (let x = this.next0[HEAD]!; x !== NIL; x = this.next0[x]!) {
      yield this.entryOf(x);
    }
  }

  /**
   * Full O(n · levels) walk asserting every invariant. Throws an Error naming the failed check.
   */
  checkInvariants(): void {
    const fail = (check: string): never => {
      throw new Error(`WeightedSkipList invariant violated: ${check}`);
    };
    const { used, heights, weights, seqs, next0 } = this;
    if (heights[HEAD] !== LEVEL_MAX) fail('head height is LEVEL_MAX');
    if (weights[HEAD] !== 0) fail('head weighs 0');
    if (this.tower[HEAD] !== 0) fail('head tower sits at arena offset 0');
    if (!(this.topLevel >= 1 && this.topLevel <= LEVEL_MAX)) fail('topLevel within [1, LEVEL_MAX]');

    // Level 0: weights, seqs, names, parents and the tickets before each node.
    const live = new Uint8Array(used);
    const before = new Float64Array(used);
    // lastTaller[j]: the last node seen so far whose height is greater than j.
    const lastTaller = new Int32Array(LEVEL_MAX + 1).fill(HEAD);
    let count = 0;
    let sum = 0;
    let prevSeq = 0;
    let maxHeight = 1;
    for (let x = next0[HEAD]!; x !== NIL; x = next0[x]!) {
      if (!(x > HEAD && x < used)) fail(`level 0 link to a node index ${x} out of range`);
      if (live[x] === 1) fail(`level 0 has a cycle at node ${x}`);
      live[x] = 1;
      count++;
      const w = weights[x]!;
      const name = this.names[x]!;
      if (!(Number.isSafeInteger(w) && w > 0)) fail(`weight of '${name}' is a positive safe int`);
      if (!(seqs[x]! > prevSeq)) fail(`seqs strictly increasing along level 0 at '${name}'`);
      if (!(seqs[x]! < this.nextSeq)) fail(`seq of '${name}' below nextSeq`);
      prevSeq = seqs[x]!;
      const h = heights[x]!;
      if (!(h >= 1 && h <= LEVEL_MAX)) fail(`height of '${name}' within [1, LEVEL_MAX]`);
      if (h > maxHeight) maxHeight = h;
      if (this.index.get(name) !== x) fail(`map entry of '${name}' points at its node`);
      if (this.parent[x] !== lastTaller[h]) fail(`parent of '${name}' is the last taller node`);
      for (let j = 0; j < h; j++) lastTaller[j] = x;
      before[x] = sum;
      sum += w;
    }
    if (!Number.isSafeInteger(sum)) fail('sum of weights is a safe integer');
    if (sum !== this.total) fail(`total ${this.total} equals the sum of weights ${sum}`);
    if (count !== this.index.size) fail(`size ${this.index.size} equals node count ${count}`);
    for (const [name, node] of this.index) {
      if (!(node > HEAD && node < used && live[node] === 1)) fail(`map entry '${name}' is live`);
      if (this.names[node] !== name) fail(`map entry '${name}' agrees with the node's name`);
    }
    if (maxHeight !== this.topLevel) fail(`topLevel ${this.topLevel} is the max height`);

    // Every level: exactly the nodes taller than it, in level-0 order, with exact spans.
    const start = (x: number): number => (x === NIL ? this.total : x === HEAD ? 0 : before[x]!);
    for (let i = 0; i < LEVEL_MAX; i++) {
      const headNext = this.nextOf(HEAD, i);
      if (i >= this.topLevel) {
        if (headNext !== NIL) fail(`head links to NIL at unused level ${i}`);
        continue;
      }
      let below = next0[HEAD]!;
      let x = HEAD;
      for (;;) {
        while (below !== NIL && heights[below]! <= i) below = next0[below]!;
        const next = this.nextOf(x, i);
        if (next !== below) fail(`level ${i} is the subsequence of nodes taller than ${i}`);
        const span = this.spanAt(x, i);
        if (span !== start(next) - start(x)) {
          fail(`span at level ${i} after '${this.names[x]}' covers the weights it passes`);
        }
        if (next === NIL) break;
        x = next;
        below = next0[below]!;
      }
      if (this.lastAt[i] !== x) fail(`lastAt[${i}] is the last node of level ${i}`);
    }

    // Free node list: only released slots, disjoint from live nodes, no cycle.
    const freed = new Uint8Array(used);
    let freeCount = 0;
    for (let x = this.freeNode; x !== NIL; x = next0[x]!) {
      if (!(x > HEAD && x < used)) fail(`free list index ${x} in range`);
      if (live[x] === 1) fail(`free list disjoint from live nodes (node ${x})`);
      if (freed[x] === 1) fail(`free list has a cycle at ${x}`);
      if (weights[x] !== 0) fail(`free node ${x} has weight 0`);
      freed[x] = 1;
      freeCount++;
    }
    if (count + freeCount + 1 !== used) fail('every node slot is live, free or the head');

    // Tower arena: live towers and free towers never overlap.
    const owner = new Uint8Array(this.arenaTop);
    const claim = (offset: number, slots: number, what: string): void => {
      if (!(offset >= HEAD_TOWER_SLOTS && offset + slots <= this.arenaTop)) {
        fail(`${what} tower at ${offset} inside the arena`);
      }
      for (let s = offset; s < offset + slots; s++) {
        if (owner[s] === 1) fail(`${what} tower at ${offset} overlaps another tower`);
        owner[s] = 1;
      }
    };
    for (let x = next0[HEAD]!; x !== NIL; x = next0[x]!) {
      const h = heights[x]!;
      if (h === 1) {
        if (this.tower[x] !== NIL) fail(`height-1 node '${this.names[x]}' has no tower`);
      } else {
        claim(this.tower[x]!, h - 1, 'live');
      }
    }
    for (let h = 2; h <= LEVEL_MAX; h++) {
      let guard = 0;
      for (let t = this.freeTowers[h]!; t !== NIL; t = this.upLink[4 * t + 3]!) {
        claim(t, h - 1, 'free');
        if (++guard > this.arenaTop) fail(`free tower list of height ${h} has a cycle`);
      }
    }
    if (this.freeTowers[0] !== NIL || this.freeTowers[1] !== NIL) fail('no towers of height < 2');
  }

  /** Height of a new node: 1, then one more level with probability 1/4 each time. */
  protected randomHeight(): number {
    let height = 1;
    while (height < LEVEL_MAX && (this.nextRandom() & 3) === 0) height++;
    return height;
  }

  /** splitmix32: a tiny, well-mixed uint32 generator whose whole state is one number. */
  private nextRandom(): number {
    this.randomState = (this.randomState + 0x9e3779b9) | 0;
    let z = this.randomState;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  private entryOf(node: number): WeightedEntry {
    return { name: this.names[node]!, weight: this.weights[node]!, seq: this.seqs[node]! };
  }

  /** A handle is live when it indexes a node slot holding weight (free slots and the head hold 0). */
  private assertLive(node: number, operation: string): void {
    if (!(node > HEAD && node < this.used && this.weights[node]! > 0)) {
      assert(false, `${operation}: not a live node handle`);
    }
  }

  // Link accessors for cold paths (checks, white-box tests); hot loops inline the indexing.

  protected nextOf(x: number, level: number): number {
    return level === 0 ? this.next0[x]! : this.upLink[4 * (this.tower[x]! + level - 1) + 3]!;
  }

  /** Span of x's link at `level`; at level 0 that is x's weight. */
  protected spanAt(x: number, level: number): number {
    return level === 0 ? this.weights[x]! : this.upSpan[2 * (this.tower[x]! + level - 1)]!;
  }

  protected setSpanAt(x: number, level: number, span: number): void {
    if (level === 0) this.weights[x] = span;
    else this.upSpan[2 * (this.tower[x]! + level - 1)] = span;
  }

  /** Points the link in arena slot `slot` at `node`, whose slot at the same level is `nodeSlot`. */
  private setLink(slot: number, nodeSlot: number, node: number): void {
    this.upLink[4 * slot + 2] = nodeSlot;
    this.upLink[4 * slot + 3] = node;
  }

  /** Appends a new node at the end; the last node of every level is known, so no search. */
  private append(name: string, weight: number, seq = this.nextSeq++): number {
    this.descentNode = NIL;
    const height = this.randomHeight();
    assert(height >= 1 && height <= LEVEL_MAX, 'append: randomHeight out of [1, LEVEL_MAX]');
    const node = this.allocateNode(height);
    this.seqs[node] = seq;
    this.weights[node] = weight;
    this.names[node] = name;
    this.index.set(name, node);

    // Newly used levels start as an empty head → NIL link: the head's segment holds everything.
    const { upSpan, lastAt } = this;
    for (let i = this.topLevel; i < height; i++) {
      this.setLink(i - 1, NIL, NIL);
      upSpan[2 * (i - 1)] = this.total;
      lastAt[i] = HEAD;
    }
    if (height > this.topLevel) this.topLevel = height;
    // The last node taller than the new one is the last node at level `height`.
    this.parent[node] = height < this.topLevel ? lastAt[height]! : HEAD;

    // At the node's levels the last segment now stops before it and the node starts its own;
    // above them the last segment still runs to the end, which now includes the new weight.
    const last0 = lastAt[0]!;
    this.next0[last0] = node;
    lastAt[0] = node;
    this.next0[node] = NIL;
    const nodeTower = this.tower[node]!;
    for (let i = 1; i < this.topLevel; i++) {
      const last = lastAt[i]!;
      const slot = this.tower[last]! + i - 1;
      if (i < height) {
        const nodeSlot = nodeTower + i - 1;
        this.setLink(slot, nodeSlot, node);
        this.setLink(nodeSlot, NIL, NIL);
        upSpan[2 * nodeSlot] = weight;
        lastAt[i] = node;
      } else {
        upSpan[2 * slot] = upSpan[2 * slot]! + weight;
      }
    }
    this.total += weight;
    return weight;
  }

  /**
   * Adds d (non-zero, not emptying the node) to a node's weight: to every segment containing the
   * node, one per level — its own at the levels it reaches, then those of its parents.
   */
  private changeWeight(node: number, d: number): number {
    const { tower, upSpan, heights, parent } = this;
    const weight = this.weights[node]! + d;
    this.weights[node] = weight;
    const top = this.topLevel;
    if (node === this.descentNode) {
      // The descent that found this node recorded the segment containing it at every level.
      const descentSlot = this.descentSlot;
      for (let i = 1; i < top; i++) {
        const slot = descentSlot[i]!;
        upSpan[2 * slot] = upSpan[2 * slot]! + d;
      }
      this.descentNode = NIL;
    } else {
      this.descentNode = NIL;
      const height = heights[node]!;
      const own = tower[node]!;
      for (let i = 1; i < height; i++) {
        upSpan[2 * (own + i - 1)] = upSpan[2 * (own + i - 1)]! + d;
      }
      this.addAbove(parent[node]!, height, top, d);
    }
    this.total += d;
    return weight;
  }

  /**
   * Adds d to the segments at levels [level, top) that contain a node whose parent is `x` and
   * whose height is `level`: x's own segments up to its height, then its parent's, and so on up
   * to the head, which is taller than every level.
   */
  private addAbove(x: number, level: number, top: number, d: number): void {
    const { tower, upSpan, heights, parent } = this;
    let i = level;
    while (i < top) {
      const reach = Math.min(heights[x]!, top);
      const base = tower[x]! - 1;
      for (; i < reach; i++) upSpan[2 * (base + i)] = upSpan[2 * (base + i)]! + d;
      x = parent[x]!;
    }
  }

  /** Unlinks a node at every level, merging spans, then releases its slot and tower. */
  private remove(node: number): void {
    this.descentNode = NIL;
    const { tower, upLink, upSpan, next0, heights, parent, update, lastAt } = this;
    const height = heights[node]!;
    const weight = this.weights[node]!;
    const nodeTower = tower[node]!;

    // Predecessors at the node's levels: its parent is taller and comes before it, so walking
    // forward from the parent, one level at a time, reaches the node at every level it has.
    let x = parent[node]!;
    let slot = tower[x]! + height - 2;
    for (let i = height - 1; i >= 1; i--) {
      let next = upLink[4 * slot + 3]!;
      while (next !== node) {
        assert(next !== NIL, 'remove: node not found above level 0');
        x = next;
        slot = upLink[4 * slot + 2]!;
        next = upLink[4 * slot + 3]!;
      }
      update[i] = x;
      slot--;
    }
    let next = next0[x]!;
    while (next !== node) {
      assert(next !== NIL, 'remove: node not found on level 0');
      x = next;
      next = next0[x]!;
    }
    // x is now the predecessor at level 0.

    // Children (nodes of height j < height whose parent is this node) follow it at level j - 1
    // until the first node taller than j; their new parent is the predecessor at level j.
    for (let j = 1; j < height; j++) {
      let child = j === 1 ? next0[node]! : upLink[4 * (nodeTower + j - 2) + 3]!;
      while (child !== NIL && heights[child] === j) {
        parent[child] = update[j]!;
        child = j === 1 ? next0[child]! : upLink[4 * (tower[child]! + j - 2) + 3]!;
      }
    }

    // At the node's levels its predecessor's segment absorbs the node's segment, less the node.
    next0[x] = next0[node]!;
    if (lastAt[0] === node) lastAt[0] = x;
    for (let i = 1; i < height; i++) {
      const pred = update[i]!;
      const predSlot = tower[pred]! + i - 1;
      const nodeSlot = nodeTower + i - 1;
      upSpan[2 * predSlot] = upSpan[2 * predSlot]! + upSpan[2 * nodeSlot]! - weight;
      this.setLink(predSlot, upLink[4 * nodeSlot + 2]!, upLink[4 * nodeSlot + 3]!);
      if (lastAt[i] === node) lastAt[i] = pred;
    }
    // Above them the node leaves the segments of its parents.
    this.addAbove(parent[node]!, height, this.topLevel, -weight);
    while (this.topLevel > 1 && upLink[4 * (this.topLevel - 2) + 3] === NIL) this.topLevel--;
    this.total -= weight;

    this.index.delete(this.names[node]!);
    this.releaseNode(node);
  }

  /** Takes a node slot (reusing a released one first) and gives it a tower of `height`. */
  private allocateNode(height: number): number {
    let node = this.freeNode;
    if (node !== NIL) {
      this.freeNode = this.next0[node]!;
    } else {
      if (this.used === this.seqs.length) this.growNodes();
      node = this.used++;
    }
    this.heights[node] = height;
    this.tower[node] = height === 1 ? NIL : this.allocateTower(height);
    return node;
  }

  private releaseNode(node: number): void {
    const height = this.heights[node]!;
    if (height > 1) {
      const offset = this.tower[node]!;
      this.setLink(offset, NIL, this.freeTowers[height]!);
      this.freeTowers[height] = offset;
    }
    this.tower[node] = NIL;
    this.heights[node] = 0;
    this.weights[node] = 0;
    this.seqs[node] = 0;
    this.parent[node] = NIL;
    // Drop the string so a departed participant's name can be collected.
    this.names[node] = '';
    this.next0[node] = this.freeNode;
    this.freeNode = node;
  }

  private allocateTower(height: number): number {
    const offset = this.freeTowers[height]!;
    if (offset !== NIL) {
      this.freeTowers[height] = this.upLink[4 * offset + 3]!;
      return offset;
    }
    const slots = height - 1;
    if (this.arenaTop + slots > this.upSpan.length / 2) this.growArena(this.arenaTop + slots);
    const top = this.arenaTop;
    this.arenaTop += slots;
    return top;
  }

  private growNodes(): void {
    const capacity = this.seqs.length * 2;
    assert(capacity <= 2 ** 31 - 1, 'growNodes: node capacity exceeds int32 indices');
    this.seqs = grow(this.seqs, new Float64Array(capacity));
    this.weights = grow(this.weights, new Float64Array(capacity));
    this.heights = grow(this.heights, new Uint8Array(capacity));
    this.next0 = grow(this.next0, new Int32Array(capacity));
    this.parent = grow(this.parent, new Int32Array(capacity));
    this.tower = grow(this.tower, new Int32Array(capacity));
  }

  private growArena(needed: number): void {
    let capacity = this.upSpan.length;
    while (capacity < needed) capacity *= 2;
    assert(capacity <= 2 ** 29, 'growArena: arena exceeds int32 offsets');
    this.upSpan = grow(this.upSpan, new Float64Array(2 * capacity));
    this.upLink = new Int32Array(this.upSpan.buffer);
  }
}

/** Copies `from` into the larger `to` and returns `to`. */
function grow<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
