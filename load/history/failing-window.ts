/**
 * Minimal failing windows: the smallest run of operations around a violation that is not
 * linearizable on its own, printed so that a person can see the bug.
 *
 * A window is a core — the operations of one projection with indexes a..b in invocation order —
 * judged with what overlaps it. Operations that completed before the core's first invocation took
 * effect before all of it: they are folded into the starting state, which is unknown (any value
 * for every cell of the kind's model: balances, counters, ticket numbers). Operations invoked after the core's last
 * completion come after all of it and are left out. Operations that overlap the core's span but
 * are not in it (the fringe) may have taken effect before, inside or after it, so they join as
 * optional operations whose answers are still checked wherever they are placed; fringe reads
 * change nothing and are left out. Each relaxation only admits more orders, so a window that still
 * cannot be linearized proves that the history cannot.
 *
 * Shrinking: the earliest end that still fails, then the latest start, then without each read or
 * refusal of the core it does not need (dropping an operation that changes nothing can only make
 * the rest easier to linearize, so what still fails without it failed with it). Failure is not
 * strictly monotone in the window's bounds under these relaxations, so the result is minimal in
 * the sense that moving either bound inwards, as far as the binary searches probed, lets it pass.
 */
import type { SearchOperation } from './linearizability-search.js';
import { searchLinearization } from './linearizability-search.js';
import type { CompiledPartition, ModelProjection } from './partition-model.js';

/** A window over a projection, as positions in it. */
export interface FailingWindow {
  /** Core positions (after shrinking, without the reads it does not need). */
  core: number[];
  /** Fringe positions: overlapping operations that were free to take effect anywhere. */
  fringe: number[];
  /** The core starts at the projection's first operation, judged from the raffle's empty start. */
  fromStart: boolean;
}

export class WindowFinder {
  /** Searches run so far (for reports). */
  searches = 0;

  constructor(
    private readonly partition: CompiledPartition,
    private readonly projection: ModelProjection<SearchOperation>,
    /** The raffle was empty when the history started. */
    private readonly fresh: boolean,
    private readonly stepsMax: number,
  ) {}

  /** The core a..b with its fringe, minus the core positions in `dropped`. */
  window(a: number, b: number, dropped: ReadonlySet<number> = new Set()): FailingWindow {
    const ops = this.projection.ops;
    let startMs = Number.POSITIVE_INFINITY;
    let endMs = Number.NEGATIVE_INFINITY;
    for (let p = a; p <= b; p += 1) {
      const op = ops[p] as SearchOperation;
      startMs = Math.min(startMs, op.invokeMs);
      endMs = Math.max(endMs, Number.isFinite(op.completeMs) ? op.completeMs : op.invokeMs);
    }
    const core: number[] = [];
    const fringe: number[] = [];
    for (let p = 0; p < ops.length; p += 1) {
      const op = ops[p] as SearchOperation;
      if (p >= a && p <= b) {
        if (!dropped.has(p)) core.push(p);
      } else if (
        op.completeMs >= startMs &&
        op.invokeMs <= endMs &&
        !this.partition.observesOnly(op)
      ) {
        fringe.push(p);
      }
    }
    return { core, fringe, fromStart: a === 0 };
  }

  /** Whether the window is proven not linearizable (a search that gives up proves nothing). */
  fails(window: FailingWindow): boolean {
    this.searches += 1;
    const ops = this.projection.ops;
    const positions = [...window.core, ...window.fringe].sort((x, y) => x - y);
    const fringe = new Set(window.fringe);
    const searched = positions.map((p) => {
      const op = ops[p] as SearchOperation;
      return fringe.has(p) ? { ...op, completeMs: Number.POSITIVE_INFINITY } : op;
    });
    const state = this.partition.state(this.projection, this.fresh && window.fromStart);
    const result = searchLinearization(searched, state, { stepsMax: this.stepsMax });
    return result.outcome === 'not-linearizable';
  }

  /**
   * Cores of growing width around `anchor`, until one fails; undefined if none does up to
   * `radiusMax` operations on either side.
   */
  probe(
    anchor: number,
    radiusMax = Number.POSITIVE_INFINITY,
  ): { a: number; b: number } | undefined {
    const last = this.projection.ops.length - 1;
    for (let radius = 4; radius <= radiusMax * 2; radius *= 2) {
      const a = Math.max(0, anchor - Math.min(radius, radiusMax));
      const b = Math.min(last, anchor + Math.min(radius, radiusMax));
      if (this.fails(this.window(a, b))) return { a, b };
      if ((a === 0 && b === last) || radius >= radiusMax) return undefined;
    }
    return undefined;
  }

  /** Shrinks a failing core (see the file's opening paragraph). */
  minimise(found: { a: number; b: number }): FailingWindow {
    const a = found.a;
    let low = a;
    let high = found.b;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.fails(this.window(a, middle))) high = middle;
      else low = middle + 1;
    }
    const b = low;
    low = a;
    high = b;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.fails(this.window(middle, b))) low = middle;
      else high = middle - 1;
    }
    const start = low;
    const dropped = new Set<number>();
    for (let p = start; p <= b; p += 1) {
      if (!this.partition.observesOnly(this.projection.ops[p] as SearchOperation)) continue;
      dropped.add(p);
      if (!this.fails(this.window(start, b, dropped))) dropped.delete(p);
    }
    return this.window(start, b, dropped);
  }
}
