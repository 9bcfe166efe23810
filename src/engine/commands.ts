/**
 * The shape of commands as the engine sees them, and of their outcomes.
 *
 * A command is plain data, so it can be journaled, replicated and replayed: a `kind` naming the
 * raffle kind that handles it, a `type` naming the command within that kind, the command's own
 * fields, and an optional idempotency key. The engine reads nothing else of it; the kind's spec
 * (see `kind.ts`) checks and applies the fields. The queue turns a command into a
 * `StampedCommand` by adding what `apply` may not produce itself: the sequence number, the time
 * and, where the spec asks for them, random bytes.
 */
import type { Refusal } from '../domain/reasons.js';

/**
 * An optional idempotency key on a mutation: the first outcome under a key is kept in the state,
 * and a later mutation with the same key and the same content gets that outcome again without
 * being applied; with other content it is refused (`idempotency_key_reused`).
 */
export interface Keyed {
  idempotencyKey?: string | undefined;
}

/**
 * The limits that change what `apply` answers. They are state, set by a journaled command, so a
 * replay answers with the limits that were in force then even if the configuration changed since.
 */
export interface StateLimits {
  /** Most raffles of each kind. */
  rafflesMax: number;
  /** Most participants of one ledger raffle. */
  participantsPerRaffleMax: number;
  /** Most idempotency records kept; the oldest goes first. */
  idempotencyKeysMax: number;
  /** Age past which an idempotency record is forgotten, measured on stamped command times. */
  idempotencyTtlMs: number;
  /** Most bytes of idempotency records kept (answers plus a fixed overhead each); oldest first. */
  idempotencyBytesMax: number;
  /** Largest first answer kept with a key, in UTF-8 bytes of its JSON; a larger one is not kept. */
  idempotencyAnswerBytesMax: number;
}

/** A command that changes the state: what the queue stamps, the log keeps and `apply` takes. */
export interface Mutation extends Keyed {
  kind: string;
  type: string;
  [field: string]: unknown;
}

/** The engine's own command: sets the limits (kind `engine`). */
export interface ConfigureCommand extends Keyed {
  kind: 'engine';
  type: 'configure';
  limits: StateLimits;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | Refusal;

/** A mutation with everything `apply` needs to be deterministic. */
export interface StampedCommand<M extends Mutation = Mutation> {
  /** Position in the total order of mutations, from 1. */
  seq: number;
  /** Milliseconds since the epoch when the queue took the command; never decreases. */
  atMs: number;
  /** Random bytes for commands whose spec needs them; absent for the others. */
  seed?: Uint8Array | undefined;
  command: M;
}

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}
