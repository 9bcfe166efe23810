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
 * per node. A node is an index into one growable buffer of 32-byte records (seq, weight, level-0
 * span as float64, then level-0 next and tower offset as int32), read through a Float64Array and
 * an Int32Array view of the same bytes, so the fields a search touches share a cache line. Levels
 * 1..h-1 of a node of height h live in a separate tower arena of 16-byte slots (span, next), h-1
 * consecutive slots per tower, with one free list per height so released towers are reused
 * exactly; removed node records go on a free list threaded through their level-0 next. With
 * p = 1/4 a node needs a third of an arena slot on average, about 38 bytes in all instead of the
 * 32 levels × 12 bytes a fixed LEVEL_MAX layout would take. The price is one indirection (and a
 * branch on level 0) to follow a link above level 0, and hand-written field offsets.
 *
 * Span convention: for a link at level i from node a to node b, span = sum of the weights of the
 * nodes after a up to and including b. A link from a to the end of the list (NIL) carries the sum
 * of all weights after a, so every link satisfies span = pos(b) - pos(a) where pos(x) is the sum
 * of weights up to and including x, pos(head) = 0 and pos(NIL) = totalWeight. The bookkeeping
 * follows the shape of Redis's zslInsert/zslDeleteNode (t_zset.c, `update[]` of predecessors),
 * with weights in place of rank counts.
 */

/** Maximum number of levels, as in Redis. */
const LEVEL_MAX = 32;

/** Index meaning "no node" in the link arrays. */
const NIL = -1;

/** Index of the head sentinel in the node records. */
const HEAD = 0;

/** Slots of the head's tower (levels 1..LEVEL_MAX-1); it always sits at arena offset 0. */
const HEAD_TOWER_SLOTS = LEVEL_MAX - 1;

// Node record layout: 4 float64 = 8 int32 = 32 bytes per node.
const NODE_F64 = 4;
const NODE_I32 = 8;
const SEQ = 0; // float64 offset
const WEIGHT = 1; // float64 offset
const SPAN0 = 2; // float64 offset
const NEXT0 = 6; // int32 offset (inside the 4th float64)
const TOWER = 7; // int32 offset: arena slot of level 1, or NIL for height 1

// Arena slot layout: 2 float64 = 4 int32 = 16 bytes per slot; the last int32 is padding.
const SLOT_F64 = 2;
const SLOT_I32 = 4;
const SPAN = 0; // float64 offset
const NEXT = 2; // int32 offset

/** Node capacity ceiling: keeps int32 record indices (node × 8) below 2^31. */
const NODE_CAPACITY_MAX = 2 ** 28 - 1;

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

export class WeightedSkipList {
  // Node records, record 0 being the head sentinel. Protected rather than private so white-box
  // tests can subclass the list and corrupt it on purpose.
  protected nodeF: Float64Array;
  protected nodeI: Int32Array;
  /** Height of each node (0 for a free record). Kept apart: only removal and checks read it. */
  protected heights: Uint8Array;
  protected names: string[] = [''];
  protected readonly index = new Map<string, number>();

  // Tower arena for levels >= 1: slot tower(x) + (i - 1) holds level i of node x.
  protected upF: Float64Array;
  protected upI: Int32Array;
  /** First never-used arena slot. */
  protected arenaTop = HEAD_TOWER_SLOTS;
  /** Head of the free list of released towers of each height, linked through the slot's next. */
  protected readonly freeTowers = new Int32Array(LEVEL_MAX + 1).fill(NIL);

  /** Number of node records ever handed out, head included. */
  protected used = 1;
  /** Head of the free list of released node records, linked through their level-0 next. */
  protected freeNode = NIL;

  /** Number of levels in use: the greatest height of a live node, at least 1. */
  protected topLevel = 1;
  /** Last node at each level (the head when the level is empty), so appends need no search. */
  protected readonly lastAt = new Int32Array(LEVEL_MAX);
  /** Scratch predecessors of a node being removed, reused to avoid per-operation allocation. */
  private readonly update = new Int32Array(LEVEL_MAX);

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
      Number.isSafeInteger(initialCapacity) &&
        initialCapacity >= 1 &&
        initialCapacity < NODE_CAPACITY_MAX,
      `initialCapacity ${initialCapacity} must be an integer in [1, 2^28 - 1)`,
    );
    this.randomState = seed | 0;
    // One extra record for the head, so initialCapacity participants fit without growing.
    const capacity = initialCapacity + 1;
    const nodes = new ArrayBuffer(capacity * NODE_F64 * 8);
    this.nodeF = new Float64Array(nodes);
    this.nodeI = new Int32Array(nodes);
    this.heights = new Uint8Array(capacity);
    // With p = 1/4 the expected number of arena slots is a third of the node count.
    const arenaCapacity = HEAD_TOWER_SLOTS + Math.max(64, Math.ceil(capacity / 2));
    const arena = new ArrayBuffer(arenaCapacity * SLOT_F64 * 8);
    this.upF = new Float64Array(arena);
    this.upI = new Int32Array(arena);
    this.heights[HEAD] = LEVEL_MAX;
    this.nodeI[HEAD * NODE_I32 + NEXT0] = NIL;
    this.nodeI[HEAD * NODE_I32 + TOWER] = 0;
    for (let s = 0; s < HEAD_TOWER_SLOTS; s++) this.upI[s * SLOT_I32 + NEXT] = NIL;
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
    return node === undefined ? 0 : this.nodeF[node * NODE_F64 + WEIGHT]!;
  }

  seqOf(name: string): number | undefined {
    const node = this.index.get(name);
    return node === undefined ? undefined : this.nodeF[node * NODE_F64 + SEQ]!;
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

  /**
   * Subtracts delta (positive integer, <= current weight) from name's weight; the node is removed
   * when it reaches 0. Returns the new weight.
   */
  subtract(name: string, delta: number): number {
    const node = this.index.get(name);
    assert(node !== undefined, 'subtract: name is absent');
    assert(
      Number.isSafeInteger(delta) && delta > 0,
      'subtract: delta must be a positive safe integer',
    );
    const weight = this.nodeF[node * NODE_F64 + WEIGHT]!;
    assert(delta <= weight, 'subtract: delta exceeds the weight');
    if (delta === weight) {
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
   * along the list order. Descends from the top level, skipping a link while its span is <= r.
   */
  nameAt(r: number): string {
    assert(Number.isSafeInteger(r) && r >= 0 && r < this.total, 'nameAt: r is out of range');
    const { nodeF, nodeI, upF, upI } = this;
    let x = HEAD;
    let rest = r;
    for (let i = this.topLevel - 1; i >= 1; i--) {
      let slot = nodeI[x * NODE_I32 + TOWER]! + i - 1;
      let span = upF[slot * SLOT_F64 + SPAN]!;
      // Links to NIL carry the remaining weight, which is > rest, so the loop never passes NIL.
      while (span <= rest) {
        rest -= span;
        x = upI[slot * SLOT_I32 + NEXT]!;
        slot = nodeI[x * NODE_I32 + TOWER]! + i - 1;
        span = upF[slot * SLOT_F64 + SPAN]!;
      }
    }
    let span = nodeF[x * NODE_F64 + SPAN0]!;
    while (span <= rest) {
      rest -= span;
      x = nodeI[x * NODE_I32 + NEXT0]!;
      span = nodeF[x * NODE_F64 + SPAN0]!;
    }
    // The link leaving x covers ticket r, so r belongs to the node that link lands on.
    const owner = nodeI[x * NODE_I32 + NEXT0]!;
    assert(owner !== NIL, 'nameAt: postcondition, the descent ran off the end');
    return this.names[owner]!;
  }

  /** Up to `limit` entries in list order whose seq is strictly greater than afterSeq. */
  entriesAfter(afterSeq: number, limit: number): WeightedEntry[] {
    assert(Number.isSafeInteger(limit) && limit >= 0, 'entriesAfter: bad limit');
    assert(!Number.isNaN(afterSeq), 'entriesAfter: afterSeq is NaN');
    const { nodeF, nodeI, upI } = this;
    let x = HEAD;
    for (let i = this.topLevel - 1; i >= 1; i--) {
      let next = upI[(nodeI[x * NODE_I32 + TOWER]! + i - 1) * SLOT_I32 + NEXT]!;
      while (next !== NIL && nodeF[next * NODE_F64 + SEQ]! <= afterSeq) {
        x = next;
        next = upI[(nodeI[x * NODE_I32 + TOWER]! + i - 1) * SLOT_I32 + NEXT]!;
      }
    }
    let next = nodeI[x * NODE_I32 + NEXT0]!;
    while (next !== NIL && nodeF[next * NODE_F64 + SEQ]! <= afterSeq) {
      next = nodeI[next * NODE_I32 + NEXT0]!;
    }
    const result: WeightedEntry[] = [];
    while (next !== NIL && result.length < limit) {
      result.push(this.entryOf(next));
      next = nodeI[next * NODE_I32 + NEXT0]!;
    }
    return result;
  }

  /** All entries in list order. The list must not be mutated while the iterator is in use. */
  *entries(): IterableIterator<WeightedEntry> {
    for (let x = this.nextOf(HEAD, 0); x !== NIL; x = this.nextOf(x, 0)) {
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
    const { used, heights } = this;
    if (heights[HEAD] !== LEVEL_MAX) fail('head height is LEVEL_MAX');
    if (this.towerOf(HEAD) !== 0) fail('head tower sits at arena offset 0');
    if (!(this.topLevel >= 1 && this.topLevel <= LEVEL_MAX)) fail('topLevel within [1, LEVEL_MAX]');

    // Level 0: weights, seqs, names and prefix positions.
    const live = new Uint8Array(used);
    const pos = new Float64Array(used);
    let count = 0;
    let sum = 0;
    let prevSeq = 0;
    let maxHeight = 1;
    for (let x = this.nextOf(HEAD, 0); x !== NIL; x = this.nextOf(x, 0)) {
      if (!(x > HEAD && x < used)) fail(`level 0 link to a node index ${x} out of range`);
      if (live[x] === 1) fail(`level 0 has a cycle at node ${x}`);
      live[x] = 1;
      count++;
      const w = this.weightAt(x);
      const seq = this.seqAt(x);
      const name = this.names[x]!;
      if (!(Number.isSafeInteger(w) && w > 0)) fail(`weight of '${name}' is a positive safe int`);
      if (!(seq > prevSeq)) fail(`seqs strictly increasing along level 0 at '${name}'`);
      if (!(seq < this.nextSeq)) fail(`seq of '${name}' below nextSeq`);
      prevSeq = seq;
      const h = heights[x]!;
      if (!(h >= 1 && h <= LEVEL_MAX)) fail(`height of '${name}' within [1, LEVEL_MAX]`);
      if (h > maxHeight) maxHeight = h;
      if (this.index.get(name) !== x) fail(`map entry of '${name}' points at its node`);
      sum += w;
      pos[x] = sum;
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
    const position = (x: number): number => (x === NIL ? this.total : x === HEAD ? 0 : pos[x]!);
    for (let i = 0; i < LEVEL_MAX; i++) {
      if (i >= this.topLevel) {
        if (this.nextOf(HEAD, i) !== NIL) fail(`head links to NIL at unused level ${i}`);
        continue;
      }
      let below = this.nextOf(HEAD, 0);
      let x = HEAD;
      for (;;) {
        while (below !== NIL && heights[below]! <= i) below = this.nextOf(below, 0);
        const next = this.nextOf(x, i);
        if (next !== below) fail(`level ${i} is the subsequence of nodes taller than ${i}`);
        if (this.spanAt(x, i) !== position(next) - position(x)) {
          fail(`span at level ${i} after '${this.names[x]}' covers the weights it passes`);
        }
        if (next === NIL) break;
        x = next;
        below = this.nextOf(below, 0);
      }
      if (this.lastAt[i] !== x) fail(`lastAt[${i}] is the last node of level ${i}`);
    }

    // Free node list: only released records, disjoint from live nodes, no cycle.
    const freed = new Uint8Array(used);
    let freeCount = 0;
    for (let x = this.freeNode; x !== NIL; x = this.nextOf(x, 0)) {
      if (!(x > HEAD && x < used)) fail(`free list index ${x} in range`);
      if (live[x] === 1) fail(`free list disjoint from live nodes (node ${x})`);
      if (freed[x] === 1) fail(`free list has a cycle at ${x}`);
      if (this.weightAt(x) !== 0 || heights[x] !== 0) fail(`free node ${x} is cleared`);
      freed[x] = 1;
      freeCount++;
    }
    if (count + freeCount + 1 !== used) fail('every node record is live, free or the head');

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
    for (let x = this.nextOf(HEAD, 0); x !== NIL; x = this.nextOf(x, 0)) {
      const h = heights[x]!;
      if (h === 1) {
        if (this.towerOf(x) !== NIL) fail(`height-1 node '${this.names[x]}' has no tower`);
      } else {
        claim(this.towerOf(x), h - 1, 'live');
      }
    }
    for (let h = 2; h <= LEVEL_MAX; h++) {
      let guard = 0;
      for (let t = this.freeTowers[h]!; t !== NIL; t = this.upI[t * SLOT_I32 + NEXT]!) {
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

  // Field accessors for cold paths (checks, white-box tests); hot loops inline the offsets.

  protected seqAt(x: number): number {
    return this.nodeF[x * NODE_F64 + SEQ]!;
  }

  protected weightAt(x: number): number {
    return this.nodeF[x * NODE_F64 + WEIGHT]!;
  }

  protected towerOf(x: number): number {
    return this.nodeI[x * NODE_I32 + TOWER]!;
  }

  protected nextOf(x: number, level: number): number {
    return level === 0
      ? this.nodeI[x * NODE_I32 + NEXT0]!
      : this.upI[(this.towerOf(x) + level - 1) * SLOT_I32 + NEXT]!;
  }

  protected spanAt(x: number, level: number): number {
    return level === 0
      ? this.nodeF[x * NODE_F64 + SPAN0]!
      : this.upF[(this.towerOf(x) + level - 1) * SLOT_F64 + SPAN]!;
  }

  protected setSpanAt(x: number, level: number, span: number): void {
    if (level === 0) this.nodeF[x * NODE_F64 + SPAN0] = span;
    else this.upF[(this.towerOf(x) + level - 1) * SLOT_F64 + SPAN] = span;
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
    return { name: this.names[node]!, weight: this.weightAt(node), seq: this.seqAt(node) };
  }

  /** Appends a new node at the end; the last node of every level is known, so no search. */
  private append(name: string, weight: number): number {
    const height = this.randomHeight();
    assert(height >= 1 && height <= LEVEL_MAX, 'append: randomHeight out of [1, LEVEL_MAX]');
    // Allocation may grow the buffers, so the views are read only after it.
    const node = this.allocateNode(height);
    const { nodeF, nodeI, upF, upI, lastAt } = this;
    nodeF[node * NODE_F64 + SEQ] = this.nextSeq++;
    nodeF[node * NODE_F64 + WEIGHT] = weight;
    this.names[node] = name;
    this.index.set(name, node);

    // Newly used levels start as an empty head → NIL link, carrying the whole (old) total.
    for (let i = this.topLevel; i < height; i++) {
      upI[(i - 1) * SLOT_I32 + NEXT] = NIL;
      upF[(i - 1) * SLOT_F64 + SPAN] = this.total;
      lastAt[i] = HEAD;
    }
    if (height > this.topLevel) this.topLevel = height;

    // Every level's last link now reaches one node further: its span grows by the new weight,
    // whether it now lands on the new node or still runs to the end past it.
    const last0 = lastAt[0]!;
    nodeF[last0 * NODE_F64 + SPAN0] = nodeF[last0 * NODE_F64 + SPAN0]! + weight;
    nodeI[last0 * NODE_I32 + NEXT0] = node;
    lastAt[0] = node;
    nodeI[node * NODE_I32 + NEXT0] = NIL;
    nodeF[node * NODE_F64 + SPAN0] = 0;
    const nodeTower = nodeI[node * NODE_I32 + TOWER]!;
    for (let i = 1; i < this.topLevel; i++) {
      const slot = nodeI[lastAt[i]! * NODE_I32 + TOWER]! + i - 1;
      upF[slot * SLOT_F64 + SPAN] = upF[slot * SLOT_F64 + SPAN]! + weight;
      if (i < height) {
        upI[slot * SLOT_I32 + NEXT] = node;
        upI[(nodeTower + i - 1) * SLOT_I32 + NEXT] = NIL;
        upF[(nodeTower + i - 1) * SLOT_F64 + SPAN] = 0;
        lastAt[i] = node;
      }
    }
    this.total += weight;
    return weight;
  }

  /**
   * Adds d (non-zero, not emptying the node) to a node's weight and returns the new weight.
   * Every link that passes over or lands on the node covers it, and exactly one such link exists
   * per level: the one leaving the node's predecessor at that level. The search by seq finds
   * them on the way down, so no predecessor array is needed.
   */
  private changeWeight(node: number, d: number): number {
    const { nodeF, nodeI, upF, upI } = this;
    const target = nodeF[node * NODE_F64 + SEQ]!;
    let x = HEAD;
    for (let i = this.topLevel - 1; i >= 1; i--) {
      let slot = nodeI[x * NODE_I32 + TOWER]! + i - 1;
      let next = upI[slot * SLOT_I32 + NEXT]!;
      while (next !== NIL && nodeF[next * NODE_F64 + SEQ]! < target) {
        x = next;
        slot = nodeI[x * NODE_I32 + TOWER]! + i - 1;
        next = upI[slot * SLOT_I32 + NEXT]!;
      }
      upF[slot * SLOT_F64 + SPAN] = upF[slot * SLOT_F64 + SPAN]! + d;
    }
    let next = nodeI[x * NODE_I32 + NEXT0]!;
    while (next !== node) {
      assert(next !== NIL, 'changeWeight: node not found on level 0');
      x = next;
      next = nodeI[x * NODE_I32 + NEXT0]!;
    }
    nodeF[x * NODE_F64 + SPAN0] = nodeF[x * NODE_F64 + SPAN0]! + d;
    const weight = nodeF[node * NODE_F64 + WEIGHT]! + d;
    nodeF[node * NODE_F64 + WEIGHT] = weight;
    this.total += d;
    return weight;
  }

  /** Unlinks a node at every level, merging spans, then releases its record and tower. */
  private remove(node: number): void {
    const { nodeF, nodeI, upF, upI, update, lastAt } = this;
    const target = nodeF[node * NODE_F64 + SEQ]!;
    let x = HEAD;
    for (let i = this.topLevel - 1; i >= 1; i--) {
      let next = upI[(nodeI[x * NODE_I32 + TOWER]! + i - 1) * SLOT_I32 + NEXT]!;
      while (next !== NIL && nodeF[next * NODE_F64 + SEQ]! < target) {
        x = next;
        next = upI[(nodeI[x * NODE_I32 + TOWER]! + i - 1) * SLOT_I32 + NEXT]!;
      }
      update[i] = x;
    }
    let next = nodeI[x * NODE_I32 + NEXT0]!;
    while (next !== node) {
      assert(next !== NIL, 'remove: node not found on level 0');
      x = next;
      next = nodeI[x * NODE_I32 + NEXT0]!;
    }

    const weight = nodeF[node * NODE_F64 + WEIGHT]!;
    const height = this.heights[node]!;
    // The predecessor's link now runs to the node's successor, less the node's own weight.
    nodeF[x * NODE_F64 + SPAN0] =
      nodeF[x * NODE_F64 + SPAN0]! + nodeF[node * NODE_F64 + SPAN0]! - weight;
    nodeI[x * NODE_I32 + NEXT0] = nodeI[node * NODE_I32 + NEXT0]!;
    if (lastAt[0] === node) lastAt[0] = x;
    const nodeTower = nodeI[node * NODE_I32 + TOWER]!;
    for (let i = 1; i < this.topLevel; i++) {
      const pred = update[i]!;
      const slot = nodeI[pred * NODE_I32 + TOWER]! + i - 1;
      if (i < height) {
        const own = nodeTower + i - 1;
        upF[slot * SLOT_F64 + SPAN] =
          upF[slot * SLOT_F64 + SPAN]! + upF[own * SLOT_F64 + SPAN]! - weight;
        upI[slot * SLOT_I32 + NEXT] = upI[own * SLOT_I32 + NEXT]!;
        if (lastAt[i] === node) lastAt[i] = pred;
      } else {
        // The link passes over the node, so it just loses the node's weight.
        upF[slot * SLOT_F64 + SPAN] = upF[slot * SLOT_F64 + SPAN]! - weight;
      }
    }
    // The head's tower is arena slots 0..30, so level L of the head is slot L - 1.
    while (this.topLevel > 1 && upI[(this.topLevel - 2) * SLOT_I32 + NEXT] === NIL) {
      this.topLevel--;
    }
    this.total -= weight;

    this.index.delete(this.names[node]!);
    this.releaseNode(node);
  }

  /** Takes a node record (reusing a released one first) and gives it a tower of `height`. */
  private allocateNode(height: number): number {
    let node = this.freeNode;
    if (node !== NIL) {
      this.freeNode = this.nodeI[node * NODE_I32 + NEXT0]!;
    } else {
      if (this.used === this.heights.length) this.growNodes();
      node = this.used++;
    }
    this.heights[node] = height;
    // Towers are allocated before writing the record: arena growth never touches node records.
    this.nodeI[node * NODE_I32 + TOWER] = height === 1 ? NIL : this.allocateTower(height);
    return node;
  }

  private releaseNode(node: number): void {
    const height = this.heights[node]!;
    if (height > 1) {
      const offset = this.towerOf(node);
      this.upI[offset * SLOT_I32 + NEXT] = this.freeTowers[height]!;
      this.freeTowers[height] = offset;
    }
    this.heights[node] = 0;
    this.nodeF[node * NODE_F64 + SEQ] = 0;
    this.nodeF[node * NODE_F64 + WEIGHT] = 0;
    this.nodeF[node * NODE_F64 + SPAN0] = 0;
    this.nodeI[node * NODE_I32 + TOWER] = NIL;
    // Drop the string so a departed participant's name can be collected.
    this.names[node] = '';
    this.nodeI[node * NODE_I32 + NEXT0] = this.freeNode;
    this.freeNode = node;
  }

  private allocateTower(height: number): number {
    const offset = this.freeTowers[height]!;
    if (offset !== NIL) {
      this.freeTowers[height] = this.upI[offset * SLOT_I32 + NEXT]!;
      return offset;
    }
    const slots = height - 1;
    if (this.arenaTop + slots > this.upI.length / SLOT_I32) this.growArena(this.arenaTop + slots);
    const top = this.arenaTop;
    this.arenaTop += slots;
    return top;
  }

  private growNodes(): void {
    const capacity = Math.min(this.heights.length * 2, NODE_CAPACITY_MAX);
    assert(capacity > this.heights.length, 'growNodes: node capacity exhausted');
    const nodes = copyInto(this.nodeF.buffer, capacity * NODE_F64 * 8);
    this.nodeF = new Float64Array(nodes);
    this.nodeI = new Int32Array(nodes);
    const heights = new Uint8Array(capacity);
    heights.set(this.heights);
    this.heights = heights;
  }

  private growArena(neededSlots: number): void {
    let capacity = (this.upI.length / SLOT_I32) * 2;
    while (capacity < neededSlots) capacity *= 2;
    assert(capacity * SLOT_I32 <= 2 ** 31 - 1, 'growArena: arena exceeds int32 offsets');
    const arena = copyInto(this.upF.buffer, capacity * SLOT_F64 * 8);
    this.upF = new Float64Array(arena);
    this.upI = new Int32Array(arena);
  }
}

/**
 * A new buffer of `byteLength` bytes starting with a copy of `from`. The copy goes through byte
 * views so the int32 halves stored inside float64 slots are copied bit for bit.
 */
function copyInto(from: ArrayBufferLike, byteLength: number): ArrayBuffer {
  const to = new ArrayBuffer(byteLength);
  new Uint8Array(to).set(new Uint8Array(from));
  return to;
}
