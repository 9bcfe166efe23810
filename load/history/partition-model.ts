/**
 * What a raffle kind gives the linearizability checker: a way to compile one raffle's recorded
 * operations into its model's operations, the projections to search first, and a model state to
 * search them with. The search (linearizability-search.ts), the failing windows
 * (failing-window.ts) and the report (linearizability.ts) are shared by every kind and know none.
 *
 * A projection is the same history seen through part of the state (one participant, one ticket
 * number, one phone): if the history is linearizable, so is every projection, so a failing one
 * proves a violation, cheaply and already narrowed down. Only the whole partition can prove that
 * the history is linearizable.
 */
import type { Operation } from './events.js';
import type { SearchOperation, SearchState } from './linearizability-search.js';

export interface ModelProjection<O> {
  /** `raffle` for the whole partition, else a name `describe` turns into words. */
  name: string;
  /** Indexes into the compiled partition, in invocation order. */
  indexes: number[];
  /** The projected operations, index for index. */
  ops: O[];
}

export interface CompiledPartition<O extends SearchOperation = SearchOperation> {
  /** The operations kept (those that constrain something), in invocation order. */
  operations: Operation[];
  /** Their compiled forms, index for index. */
  model: O[];
  /** The projections searched before the whole partition. */
  projections(): ModelProjection<O>[];
  whole(): ModelProjection<O>;
  /** A fresh model state for a projection; `knownStart`: the raffle's empty start, else unknown. */
  state(projection: ModelProjection<O>, knownStart: boolean): SearchState<O>;
  /** Changes nothing wherever placed: dropping it from a failing window keeps it failing. */
  observesOnly(op: O): boolean;
  /** How the report names a projection: `the totals alone`, `participant u3 alone`. */
  describe(projection: string): string;
}

export interface PartitionModel {
  kind: string;
  compile(operations: readonly Operation[]): CompiledPartition;
}
