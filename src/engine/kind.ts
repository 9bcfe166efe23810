/**
 * The seam between the engine and the raffle kinds: what a kind brings, and the only things the
 * engine ever calls on it.
 *
 * A kind (ledger raffles, prize raffles, campaigns, …) is one object: its commands and queries,
 * each declared once with everything the engine needs to know about it as data (the zod schema
 * of its fields, whether the queue must stamp random bytes into it, the content idempotency
 * compares), its invariants, a versioned snapshot section and a digest. The engine keeps one
 * state per kind and routes each command by its `kind` and `type` fields through a registry, so it
 * never names a kind and adding one touches only the kind's folder and one registry line. The
 * price is that command fields are checked by the kind's schema, not by a TypeScript union the
 * engine could switch over; the typed `submit(spec, fields)` below gives callers their types back.
 */
import type { Outcome, StateLimits } from './commands.js';
import type { DrawRandomness } from './seed-chain.js';

export type { DrawRandomness };

/** A draw's answer with where its random bytes came from (`stamp.randomness`), when it succeeded. */
export function withRandomness<V extends object>(
  outcome: Outcome<V>,
  stamp: Stamp,
): Outcome<V & { randomness?: DrawRandomness | undefined }> {
  if (!outcome.ok || stamp.randomness === undefined) return outcome;
  return { ok: true, value: { ...outcome.value, randomness: stamp.randomness } };
}

/** What `apply` may know beyond the state and the command: all of it stamped by the queue. */
export interface Stamp {
  /** Position of the command in the total order of mutations, from 1. */
  seq: number;
  /** Milliseconds since the epoch when the queue took the command (never decreasing). */
  atMs: number;
  /** Random bytes, present exactly when the command's spec says `needsSeed`. */
  seed: Uint8Array | undefined;
  /** Where the random bytes came from (link, chain, beacon), beside `seed`; draws answer it. */
  randomness?: DrawRandomness | undefined;
  /** The limits in force (state, changed only by the engine's journaled `configure`). */
  limits: StateLimits;
}

/** What the engine needs of a zod schema. */
export interface FieldsSchema<P> {
  safeParse(value: unknown): { success: true; data: P } | { success: false };
}

/**
 * One command of a kind. `P` is the command's own fields (without `kind`, `type` and the
 * idempotency key), `V` what it answers when it succeeds.
 */
export interface CommandSpec<S, P, V> {
  /** Whether the queue stamps random bytes into the command (draws, generated ids). */
  readonly needsSeed: boolean;
  /**
   * The command's fields, checked when a command is read back from a log: a zod schema, seen
   * here only through the one method the engine calls (so the engine's published types, which
   * reach the client package, need no zod).
   */
  readonly schema: FieldsSchema<P>;
  /**
   * What idempotency compares: the request's content as a list of JSON values in a fixed order,
   * without the key. Two commands of one kind and type with equal content are the same request.
   */
  content(fields: P): unknown[];
  /** Pure and deterministic: reads only the state, the fields and the stamp. */
  apply(state: S, fields: P, stamp: Stamp): Outcome<V>;
  /**
   * What an audit export may show of a successful answer of a command that takes random bytes
   * (its winner, its ticket number): anything secret removed. @default the whole value
   */
  publicOutcome?(value: V): unknown;
}

/** One read of a kind: never changes the state. */
export interface QuerySpec<S, P, V> {
  run(state: S, fields: P, limits: StateLimits): Outcome<V>;
}

/** A snapshot section: a kind's whole state as JSON records, each of bounded size. */
export interface SnapshotSection<S> {
  /** Version of this kind's records; `restore` is told the version it reads. */
  readonly version: number;
  /**
   * The records of the state, for a snapshot taken between two batches. The iterable walks the
   * live state: it is consumed before the next command is applied.
   */
  image(state: S): Iterable<unknown>;
  /** Rebuilds a state from records written by `image` at `version` (or an older version). */
  restore(records: Iterable<unknown>, version: number, limits: StateLimits): S;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- a kind's specs take fields of any shape */
export type AnyCommandSpec<S> = CommandSpec<S, any, unknown>;
export type AnyQuerySpec<S> = QuerySpec<S, any, unknown>;
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface RaffleKind<S = unknown> {
  /** The kind's name, as commands carry it in their `kind` field. */
  readonly name: string;
  readonly commands: Readonly<Record<string, AnyCommandSpec<S>>>;
  readonly queries: Readonly<Record<string, AnyQuerySpec<S>>>;
  /** An empty state. */
  create(limits: StateLimits): S;
  /** Throws, saying which, when an invariant does not hold; run after replay and in tests. */
  invariants(state: S): void;
  /** How many raffles (of any name the kind uses) the state holds, for health and metrics. */
  raffleCount(state: S): number;
  /** The limits changed (a journaled `configure`): adjust whatever the state keeps of them. */
  configure?(state: S, limits: StateLimits): void;
  readonly snapshot: SnapshotSection<S>;
  /**
   * A canonical text of the logical state, line by line: equal texts mean equal states, whatever
   * the internal layout. Replicas and the audit verifier compare digests made from it.
   */
  digest(state: S): Iterable<string>;
}

/** A command spec once its kind is defined: it knows its own `kind` and `type`. */
export type BoundCommand<S, P, V> = CommandSpec<S, P, V> & {
  readonly kind: string;
  readonly type: string;
};
export type BoundQuery<S, P, V> = QuerySpec<S, P, V> & {
  readonly kind: string;
  readonly type: string;
};

type BindCommands<S, C> = {
  readonly [K in keyof C]: C[K] extends CommandSpec<S, infer P, infer V>
    ? BoundCommand<S, P, V>
    : never;
};
type BindQueries<S, Q> = {
  readonly [K in keyof Q]: Q[K] extends QuerySpec<S, infer P, infer V>
    ? BoundQuery<S, P, V>
    : never;
};

export interface KindDefinition<S, C, Q> extends Omit<RaffleKind<S>, 'commands' | 'queries'> {
  readonly commands: C;
  readonly queries: Q;
}

export type DefinedKind<S, C, Q> = Omit<RaffleKind<S>, 'commands' | 'queries'> & {
  readonly commands: BindCommands<S, C>;
  readonly queries: BindQueries<S, Q>;
};

/**
 * Declares a kind: each command and query learns its own `kind` and `type` from where it stands
 * in the definition, so no name is written twice.
 */
export function defineKind<
  S,
  C extends Record<string, AnyCommandSpec<S>>,
  Q extends Record<string, AnyQuerySpec<S>>,
>(definition: KindDefinition<S, C, Q>): DefinedKind<S, C, Q> {
  const bind = <T extends object>(specs: Record<string, T>) =>
    Object.fromEntries(
      Object.entries(specs).map(([type, spec]) => [type, { ...spec, kind: definition.name, type }]),
    );
  return {
    ...definition,
    commands: bind(definition.commands) as BindCommands<S, C>,
    queries: bind(definition.queries) as BindQueries<S, Q>,
  };
}

/** The kinds the engine serves, by name. Built once at start from the registry's list. */
export class KindRegistry {
  private readonly byName = new Map<string, RaffleKind>();

  constructor(kinds: readonly { readonly name: string }[]) {
    for (const kind of kinds) {
      if (this.byName.has(kind.name)) throw new Error(`kinds: '${kind.name}' is registered twice`);
      if (kind.name === engineKindName) throw new Error(`kinds: '${kind.name}' is reserved`);
      this.byName.set(kind.name, kind as unknown as RaffleKind);
    }
  }

  get(name: string): RaffleKind | undefined {
    return this.byName.get(name);
  }

  get kinds(): RaffleKind[] {
    return [...this.byName.values()];
  }
}

/** Commands the engine handles itself (the journaled limits) carry this kind. */
export const engineKindName = 'engine';
