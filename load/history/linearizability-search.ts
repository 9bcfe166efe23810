/**
 * The Wing–Gong–Lowe search for a linearization of one partition of a history, with Lowe's memo
 * of (linearized set, model state) — the algorithm of G. Lowe, "Testing for linearizability"
 * (Concurrency and Computation, 2017), itself Wing and Gong's with the cache that makes it
 * practical.
 *
 * Invocations and completions are laid out in time order in a doubly linked list. The search walks
 * it from the head: an invocation is a candidate to take effect next; if the model accepts it
 * (outputs included) and the resulting (set, state) was never seen, both its entries are lifted out
 * of the list and the walk restarts from the head. Meeting a completion means the operation it
 * closes was not placed before it: the search backtracks by undoing the last placement. The
 * history is linearizable once every operation with a known outcome is placed; operations whose
 * outcome is unknown (`info`) have no completion entry, so they may take effect at any point after
 * their invocation, or never.
 *
 * The memo stores 128-bit fingerprints (a Zobrist hash of the linearized set and the model's hash
 * of its state) rather than the sets and states themselves, so its memory stays 16 bytes an entry
 * however long the history. A fingerprint collision could only prune a branch that was never
 * explored — a false "not linearizable", never a missed violation — and with 128 bits its odds
 * are negligible (about n² / 2^129 for n entries).
 */
import { HashSet128 } from './hash-set-128.js';
import { seededRandom } from './random.js';

export interface SearchOperation {
  invokeMs: number;
  /** `Infinity` when the outcome is unknown: the operation may take effect later or never. */
  completeMs: number;
}

/** The model as the search drives it: a mutable state with a trail of changes to undo. */
export interface SearchState<O> {
  /**
   * Lets `operation` take effect now, with its recorded outputs, if the model allows it; when it
   * does not, the state must be left as it was.
   */
  apply(operation: O): boolean;
  /** A position in the trail of changes. */
  mark(): number;
  /** Undoes every change made since `mark`. */
  undoTo(mark: number): void;
  /** Two independent 32-bit hashes of the state: equal states must hash equal. */
  hashA(): number;
  hashB(): number;
  /**
   * True when `operation` only observes the state: wherever it is placed, it changes nothing or
   * only narrows what the state may be (a read, a refusal), and a narrower state never accepts
   * more. Such an operation, when it can be placed now without changing anything, is placed
   * without trying the alternatives: had a linearization placed it later, moving it here would
   * leave every other step as it was. This is what keeps many concurrent reads from multiplying
   * the configurations the search visits.
   */
  observes?(operation: O): boolean;
  /**
   * Whether placing `a` may change what `b` can do (they share a part of the state): a hint for
   * the order of the tries. When absent, every pair interacts.
   */
  interacts?(a: O, b: O): boolean;
  /**
   * Operations of one class have the same effect and the same outputs wherever placed (they
   * differ only in their times): a key naming the class, or undefined for an operation alone in
   * its own. Among the candidates of one class the search tries only the one that must complete
   * soonest: if a linearization placed another of the class first, swapping the two gives one
   * too, so nothing is lost — and 64 concurrent claims of a ticket, seen through the count alone,
   * no longer make the search enumerate their subsets.
   */
  classOf?(operation: O): string | undefined;
  /**
   * Try every operation of unknown outcome last (passes 0, 1, 2, 4), as the search did before the
   * prize and campaign models: the ledger's lost writes are rarely what a waiting read needs, and
   * trying the related ones early sends its search on long detours when many operations overlap.
   */
  unknownsLast?: boolean;
}

export type SearchOutcome = 'linearizable' | 'not-linearizable' | 'gave-up';

export interface SearchResult {
  outcome: SearchOutcome;
  /** Steps of the walk (placements tried and backtracks). */
  steps: number;
  /** Distinct (set, state) fingerprints met. */
  memoSize: number;
  /** The most operations placed at once, and then the first known-outcome operation that could not be placed after them. */
  deepest: { placed: number; blocked: number | undefined };
  /** An order in which the operations take effect, when linearizable (indexes into the input). */
  order?: number[];
}

export interface SearchOptions {
  /**
   * Give up after this many steps (answering `gave-up`): a bound for pathological histories.
   * @default 50_000_000
   */
  stepsMax?: number;
}

export function searchLinearization<O extends SearchOperation>(
  operations: readonly O[],
  state: SearchState<O>,
  options: SearchOptions = {},
): SearchResult {
  const n = operations.length;
  const stepsMax = options.stepsMax ?? 50_000_000;
  // Entry e < n is the invocation of operation e; entry n + i its completion; 2n is the head.
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  const entries: number[] = [];
  let definiteLeft = 0;
  for (let i = 0; i < n; i += 1) {
    entries.push(i);
    if (Number.isFinite((operations[i] as O).completeMs)) {
      entries.push(n + i);
      definiteLeft += 1;
    }
  }
  const timeOf = (e: number): number =>
    e < n ? (operations[e] as O).invokeMs : (operations[e - n] as O).completeMs;
  // Invocations before completions at equal times: equal times count as overlapping, the lenient
  // reading.
  entries.sort((x, y) => timeOf(x) - timeOf(y) || (x < n ? 0 : 1) - (y < n ? 0 : 1) || x - y);
  let last = head;
  for (const e of entries) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }

  const random = seededRandom(0x5eed);
  const keyA = new Int32Array(n);
  const keyB = new Int32Array(n);
  for (let i = 0; i < n; i += 1) {
    keyA[i] = (random() * 2 ** 32) | 0;
    keyB[i] = (random() * 2 ** 32) | 0;
  }

  // Class numbers (-1: alone), and the pass serial at which a class was last tried.
  const classIds = new Int32Array(n).fill(-1);
  const classNames = new Map<string, number>();
  for (let i = 0; i < n; i += 1) {
    const name = state.classOf?.(operations[i] as O);
    if (name === undefined) continue;
    let id = classNames.get(name);
    if (id === undefined) {
      id = classNames.size;
      classNames.set(name, id);
    }
    classIds[i] = id;
  }
  const triedIn = new Int32Array(classNames.size).fill(-1);
  let serial = 0;
  /** Whether candidate `i` is the first of its class this pass (and marks its class tried). */
  const firstOfClass = (i: number): boolean => {
    const c = classIds[i] as number;
    if (c < 0) return true;
    if (triedIn[c] === serial) return false;
    triedIn[c] = serial;
    return true;
  };

  const unlink = (e: number): void => {
    next[prev[e] as number] = next[e] as number;
    if ((next[e] as number) >= 0) prev[next[e] as number] = prev[e] as number;
  };
  const relink = (e: number): void => {
    next[prev[e] as number] = e;
    if ((next[e] as number) >= 0) prev[next[e] as number] = e;
  };
  const definite = (i: number): boolean => Number.isFinite((operations[i] as O).completeMs);

  const memo = new HashSet128(Math.max(8, Math.ceil(Math.log2(n + 1)) + 2));
  let setA = 0;
  let setB = 0;
  memo.add(setA, setB, state.hashA(), state.hashB());
  const placed: number[] = [];
  const marks: number[] = [];
  /** The pass each placement was made in; -1 for a forced one (no alternative to try). */
  const passes: number[] = [];
  let deepest: SearchResult['deepest'] = { placed: -1, blocked: undefined };
  let steps = 0;

  const place = (i: number, mark: number, pass: number): void => {
    setA ^= keyA[i] as number;
    setB ^= keyB[i] as number;
    placed.push(i);
    marks.push(mark);
    passes.push(pass);
    unlink(i);
    if (definite(i)) {
      unlink(n + i);
      definiteLeft -= 1;
    }
  };

  // Each configuration is scanned in passes over its candidates (the invocations before the first
  // pending completion); the passes change the order of the tries, never their set.
  // - Pass 0 places the observations that fit without changing anything: they need no choice.
  // - Passes 1 and 2 try the operations of known outcome, earliest completion first: the
  //   operation that must take effect soonest is the likeliest to come next. Pass 1 takes those
  //   that interact with the first pending completion's operation (the one that must be placed
  //   before anything else can be), pass 2 the others: placing an unrelated operation with a
  //   later deadline early is the mistake that a read waiting behind it would undo only much
  //   later, after a long detour.
  // - Passes 3 and 4 try the operations of unknown outcome, so that they are placed only where
  //   something needs their effect: pass 3 those that interact with the first pending
  //   completion's operation, right after pass 1 (what that operation waits for is likelier to be
  //   a lost write of the same state than an unrelated operation of known outcome), pass 4 the
  //   others, last. The order is 0, 1, 3, 2, 4; with `unknownsLast`, 0, 1, 2, 4 (every unknown
  //   in pass 4).
  let pass = 0;
  let entry = next[head] as number;
  /** Passes 1 and 2: the first pending completion's time and operation, the latest deadline. */
  let firstCompletionMs = 0;
  let lastDeadlineMs = 0;
  let urgent = -1;

  const related = (i: number): boolean =>
    urgent < 0 || (state.interacts?.(operations[i] as O, operations[urgent] as O) ?? true);
  const deadlineCandidate = (e: number): boolean =>
    e >= n &&
    (operations[e - n] as O).invokeMs <= firstCompletionMs &&
    related(e - n) === (pass === 1);
  const unknownsLast = state.unknownsLast === true;
  const unknownCandidate = (e: number): boolean =>
    !definite(e) && (unknownsLast ? pass === 4 : related(e) === (pass === 3));
  /** The first pending completion's time and operation, and the latest deadline before it. */
  const findUrgent = (): number => {
    let e = next[head] as number;
    lastDeadlineMs = Number.NEGATIVE_INFINITY;
    while (e >= 0 && e < n) {
      const op = operations[e] as O;
      if (Number.isFinite(op.completeMs)) lastDeadlineMs = Math.max(lastDeadlineMs, op.completeMs);
      e = next[e] as number;
    }
    firstCompletionMs = e >= 0 ? timeOf(e) : Number.POSITIVE_INFINITY;
    urgent = e >= 0 ? e - n : -1;
    return e;
  };
  /** Starts (or, from an entry, resumes) pass 1 or 2, marking the classes tried before `from`. */
  const startDeadlinePass = (which: 1 | 2, from: number | undefined): void => {
    pass = which;
    serial += 1;
    const e = findUrgent();
    if (from !== undefined && classNames.size > 0) {
      for (let x = e; x >= 0 && x !== from; x = next[x] as number) {
        if (deadlineCandidate(x)) firstOfClass(x - n);
      }
    }
    entry = from ?? e;
  };
  /** Starts (or resumes) pass 3 or 4, marking the classes tried before `from`. */
  const startUnknownPass = (which: 3 | 4, from: number | undefined): void => {
    pass = which;
    serial += 1;
    findUrgent();
    if (from !== undefined && classNames.size > 0) {
      for (let x = next[head] as number; x >= 0 && x < n && x !== from; x = next[x] as number) {
        if (unknownCandidate(x)) firstOfClass(x);
      }
    }
    entry = from ?? (next[head] as number);
  };

  /**
   * Undoes placements up to and including the last one that was a choice, and resumes that
   * choice's pass after it; false when no choice is left.
   */
  const backtrack = (): boolean => {
    while (placed.length > 0) {
      const i = placed.pop() as number;
      state.undoTo(marks.pop() as number);
      const placedIn = passes.pop() as number;
      setA ^= keyA[i] as number;
      setB ^= keyB[i] as number;
      if (definite(i)) {
        relink(n + i);
        definiteLeft += 1;
      }
      relink(i);
      if (placedIn === 1 || placedIn === 2) {
        startDeadlinePass(placedIn, next[n + i]);
        return true;
      }
      if (placedIn === 3 || placedIn === 4) {
        startUnknownPass(placedIn, next[i]);
        return true;
      }
    }
    return false;
  };

  while (definiteLeft > 0) {
    steps += 1;
    if (steps > stepsMax) {
      return { outcome: 'gave-up', steps, memoSize: memo.size, deepest };
    }
    let candidate = -1;
    if (pass === 1 || pass === 2) {
      if (entry < 0 || timeOf(entry) > lastDeadlineMs) {
        if (pass === 2) startUnknownPass(4, undefined);
        else if (unknownsLast) startDeadlinePass(2, undefined);
        else startUnknownPass(3, undefined);
        continue;
      }
      if (deadlineCandidate(entry) && firstOfClass(entry - n)) candidate = entry - n;
    } else if (entry < 0 || entry >= n) {
      if (pass === 0 || pass === 3) {
        if (pass === 0) startDeadlinePass(1, undefined);
        else startDeadlinePass(2, undefined);
        continue;
      }
      // Pass 4 is over: the first pending completion's operation cannot be placed here.
      if (placed.length > deepest.placed && entry >= n) {
        deepest = { placed: placed.length, blocked: entry - n };
      }
      if (!backtrack()) return { outcome: 'not-linearizable', steps, memoSize: memo.size, deepest };
      continue;
    } else if (
      pass === 0
        ? (state.observes?.(operations[entry] as O) ?? false)
        : unknownCandidate(entry) && firstOfClass(entry)
    ) {
      candidate = entry;
    }
    if (candidate < 0) {
      entry = next[entry] as number;
      continue;
    }
    const i = candidate;
    const op = operations[i] as O;
    const mark = state.mark();
    if (state.apply(op)) {
      // An observation that changes nothing here is placed without a choice: see `observes`.
      const isForced = state.mark() === mark && (state.observes?.(op) ?? false);
      if (pass === 0 && !isForced) {
        state.undoTo(mark);
        entry = next[entry] as number;
        continue;
      }
      if (
        memo.add(
          setA ^ (keyA[i] as number),
          setB ^ (keyB[i] as number),
          state.hashA(),
          state.hashB(),
        )
      ) {
        place(i, mark, isForced ? -1 : pass);
        pass = 0;
        entry = next[head] as number;
        continue;
      }
      state.undoTo(mark);
      if (isForced) {
        // The same configuration with this observation placed failed already, so this one fails.
        if (!backtrack())
          return { outcome: 'not-linearizable', steps, memoSize: memo.size, deepest };
        continue;
      }
    }
    entry = next[entry] as number;
  }
  return { outcome: 'linearizable', steps, memoSize: memo.size, deepest, order: placed };
}
