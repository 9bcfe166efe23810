/**
 * The deterministic state machine: every raffle's ledger, changed only by `apply`.
 *
 * `apply` does no I/O and reads neither the clock nor a random source; the time and the random
 * bytes travel inside the stamped command. Replaying the same stamped commands in the same order
 * therefore rebuilds the same state, which is what the journal, replicas and audits rely on.
 * Reads (`query`) never change the state. The state machine holds a map of ledgers so that other
 * raffle kinds can later sit beside the classic one behind the same commands.
 */
import { createHash } from 'node:crypto';
import { Ledger } from '../ledger/ledger.js';
import { refuse } from '../domain/reasons.js';
import { idempotencyKeysMaxDefault, idempotencyTtlMsDefault } from '../config/limits.js';
import type { LedgerContents, RaffleStats } from '../ledger/ledger.js';
import type {
  BulkResult,
  Mutation,
  Outcome,
  OutcomeOf,
  Query,
  StampedCommand,
  StateLimits,
} from './commands.js';

/** Limits for a new state machine; the idempotency bounds default to the service defaults. */
export type StateMachineLimits = Pick<StateLimits, 'rafflesMax' | 'participantsPerRaffleMax'> &
  Partial<StateLimits>;

/** The first outcome of a keyed mutation, kept so a retry gets it again. */
export interface IdempotencyRecord {
  /** SHA-256 (hex) of the mutation's content without its key. */
  fingerprint: string;
  outcome: Outcome<unknown>;
  /** Stamped time of the first mutation; the record expires `idempotencyTtlMs` later. */
  atMs: number;
  /** Sequence number of the first mutation. */
  seq: number;
}

/** One raffle as a snapshot holds it. */
export interface RaffleImage {
  id: string;
  name: string;
  createdAtMs: number;
  contents: LedgerContents;
}

/**
 * Everything in the state, for snapshots: `StateMachine.restore(image)` rebuilds a machine whose
 * `digestText()` equals the original's. Iterables walk the live state; consume them before the
 * next `apply`.
 */
export interface StateImage {
  seq: number;
  limits: StateLimits;
  raffles: Iterable<RaffleImage>;
  idempotency: Iterable<[string, IdempotencyRecord]>;
}

function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`state machine assertion failed: ${message}`);
}

/** A uint32 read from the first four bytes of a seed (the skip list's level seed). */
function uint32FromSeed(seed: Uint8Array, offset: number): number {
  assert(seed.length >= offset + 4, 'seed holds four bytes at the offset');
  return (
    ((seed[offset] as number) * 2 ** 24 +
      ((seed[offset + 1] as number) << 16) +
      ((seed[offset + 2] as number) << 8) +
      (seed[offset + 3] as number)) >>>
    0
  );
}

const generatedIdAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A raffle id derived from the seed: `r-` and ten characters, about 51 bits of randomness. */
export function generatedRaffleId(seed: Uint8Array): string {
  let id = 'r-';
  for (let i = 4; i < 14; i += 1) {
    id += generatedIdAlphabet[(seed[i] as number) % generatedIdAlphabet.length];
  }
  return id;
}

/**
 * The content of a mutation without its idempotency key, as a canonical string: fields in a fixed
 * order, whatever order the command object was built in.
 */
function contentOf(command: Mutation): string {
  switch (command.type) {
    case 'configure':
      return JSON.stringify(['configure', limitsText(command.limits)]);
    case 'createRaffle':
      return JSON.stringify(['createRaffle', command.id ?? null, command.name]);
    case 'issue':
      return JSON.stringify(['issue', command.raffleId, command.username, command.count]);
    case 'transfer':
      return JSON.stringify([
        'transfer',
        command.raffleId,
        command.from,
        command.to,
        command.count,
      ]);
    case 'issueBulk':
      return JSON.stringify([
        'issueBulk',
        command.raffleId,
        command.items.map((item) => [item.username, item.count]),
      ]);
    case 'transferBulk':
      return JSON.stringify([
        'transferBulk',
        command.raffleId,
        command.items.map((item) => [item.from, item.to, item.count]),
      ]);
    case 'draw':
      return JSON.stringify(['draw', command.raffleId]);
  }
}

/** Applies each item in order and tallies the outcomes. */
function applyEach<I, T>(items: readonly I[], one: (item: I) => Outcome<T>): BulkResult<T> {
  const results = new Array<Outcome<T>>(items.length);
  let applied = 0;
  for (let i = 0; i < items.length; i += 1) {
    const outcome = one(items[i] as I);
    if (outcome.ok) applied += 1;
    results[i] = outcome;
  }
  return { applied, refused: items.length - applied, results };
}

/** The limits as text with a fixed field order, for digests. */
export function limitsText(limits: StateLimits): string {
  return JSON.stringify([
    limits.rafflesMax,
    limits.participantsPerRaffleMax,
    limits.idempotencyKeysMax,
    limits.idempotencyTtlMs,
  ]);
}

export function fingerprintOf(command: Mutation): string {
  return createHash('sha256').update(contentOf(command)).digest('hex');
}

export class StateMachine {
  private readonly raffles = new Map<string, Ledger>();
  /** Idempotency records in the order they were made, so the oldest is first. */
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  private lastSeq = 0;
  private currentLimits: StateLimits;

  constructor(limits: StateMachineLimits) {
    this.currentLimits = {
      idempotencyKeysMax: idempotencyKeysMaxDefault,
      idempotencyTtlMs: idempotencyTtlMsDefault,
      ...limits,
    };
  }

  /** The limits `apply` uses now (changed only by a `configure` command). */
  get limits(): StateLimits {
    return { ...this.currentLimits };
  }

  /** Idempotency records held now. */
  get idempotencyRecordCount(): number {
    return this.idempotency.size;
  }

  /** Sequence number of the last mutation applied (0 before any). */
  get appliedSeq(): number {
    return this.lastSeq;
  }

  get raffleCount(): number {
    return this.raffles.size;
  }

  apply<M extends Mutation>(stamped: StampedCommand<M>): OutcomeOf<M> {
    assert(stamped.seq === this.lastSeq + 1, `seq ${stamped.seq} follows ${this.lastSeq}`);
    this.lastSeq = stamped.seq;
    const key = stamped.command.idempotencyKey;
    if (key === undefined) return this.applyMutation(stamped) as OutcomeOf<M>;
    return this.applyKeyed(key, stamped) as OutcomeOf<M>;
  }

  /**
   * A keyed mutation: the first one under a key is applied and its outcome kept; a later one with
   * the same content gets that outcome without being applied, and one with other content is
   * refused. Records are forgotten by age and, past the count bound, oldest first; both are
   * decided on stamped times only, so a replay forgets exactly what the original run forgot.
   */
  private applyKeyed(key: string, stamped: StampedCommand): Outcome<unknown> {
    const horizon = stamped.atMs - this.currentLimits.idempotencyTtlMs;
    this.forgetExpired(horizon);
    const fingerprint = fingerprintOf(stamped.command);
    let first = this.idempotency.get(key);
    if (first !== undefined && first.atMs <= horizon) {
      // Expired, but kept so far behind a younger record (the clock went back): forget it now.
      this.idempotency.delete(key);
      first = undefined;
    }
    if (first !== undefined) {
      if (first.fingerprint === fingerprint) return first.outcome;
      return refuse(
        'idempotency_key_reused',
        `The idempotency key '${key}' was first used for a different request (command ${first.seq}).`,
      );
    }
    const outcome = this.applyMutation(stamped);
    this.idempotency.set(key, { fingerprint, outcome, atMs: stamped.atMs, seq: stamped.seq });
    this.forgetOverflow();
    return outcome;
  }

  private forgetExpired(horizon: number): void {
    for (const [key, record] of this.idempotency) {
      if (record.atMs > horizon) break;
      this.idempotency.delete(key);
    }
  }

  private forgetOverflow(): void {
    let excess = this.idempotency.size - this.currentLimits.idempotencyKeysMax;
    if (excess <= 0) return;
    for (const key of this.idempotency.keys()) {
      this.idempotency.delete(key);
      if (--excess === 0) break;
    }
  }

  private applyMutation(stamped: StampedCommand): Outcome<unknown> {
    const { command } = stamped;
    switch (command.type) {
      case 'configure':
        this.currentLimits = { ...command.limits };
        for (const ledger of this.raffles.values()) {
          ledger.participantsMax = command.limits.participantsPerRaffleMax;
        }
        this.forgetOverflow();
        return ok(this.limits);
      case 'createRaffle':
        return this.createRaffle(command.id, command.name, stamped);
      case 'issue': {
        const ledger = this.raffles.get(command.raffleId);
        if (ledger === undefined) return raffleNotFound(command.raffleId);
        return ledger.issue(command.username, command.count);
      }
      case 'transfer': {
        const ledger = this.raffles.get(command.raffleId);
        if (ledger === undefined) return raffleNotFound(command.raffleId);
        return ledger.transfer(command.from, command.to, command.count);
      }
      case 'issueBulk': {
        const ledger = this.raffles.get(command.raffleId);
        if (ledger === undefined) return raffleNotFound(command.raffleId);
        return ok(applyEach(command.items, (item) => ledger.issue(item.username, item.count)));
      }
      case 'transferBulk': {
        const ledger = this.raffles.get(command.raffleId);
        if (ledger === undefined) return raffleNotFound(command.raffleId);
        return ok(
          applyEach(command.items, (item) => ledger.transfer(item.from, item.to, item.count)),
        );
      }
      case 'draw': {
        const ledger = this.raffles.get(command.raffleId);
        if (ledger === undefined) return raffleNotFound(command.raffleId);
        assert(stamped.seed !== undefined, 'a draw carries a seed');
        return ledger.draw(stamped.seed, stamped.atMs);
      }
    }
  }

  private createRaffle(
    requestedId: string | undefined,
    name: string,
    stamped: StampedCommand,
  ): Outcome<RaffleStats> {
    assert(stamped.seed !== undefined, 'a raffle creation carries a seed');
    const id = requestedId ?? generatedRaffleId(stamped.seed);
    if (this.raffles.has(id)) {
      return refuse('raffle_id_taken', `A raffle with id '${id}' already exists.`);
    }
    const { rafflesMax, participantsPerRaffleMax } = this.currentLimits;
    if (this.raffles.size >= rafflesMax) {
      return refuse('raffle_limit_reached', `The service already holds ${rafflesMax} raffles.`);
    }
    const ledger = new Ledger({
      id,
      name,
      createdAtMs: stamped.atMs,
      levelSeed: uint32FromSeed(stamped.seed, 0),
      participantsMax: participantsPerRaffleMax,
    });
    this.raffles.set(id, ledger);
    return ok(ledger.stats());
  }

  query<Q extends Query>(command: Q): OutcomeOf<Q> {
    return this.answerQuery(command) as OutcomeOf<Q>;
  }

  private answerQuery(command: Query): Outcome<unknown> {
    if (command.type === 'listRaffles') {
      return ok([...this.raffles.values()].map((ledger) => ledger.stats()));
    }
    const ledger = this.raffles.get(command.raffleId);
    if (ledger === undefined) return raffleNotFound(command.raffleId);
    switch (command.type) {
      case 'getRaffle':
        return ok(ledger.stats());
      case 'listParticipants':
        return ok(ledger.participants(command.afterSeq, command.limit));
      case 'getParticipant':
        return ledger.participant(command.username);
      case 'listDraws':
        return ok(ledger.draws(command.afterDrawId, command.limit));
    }
  }

  /** The ledger of a raffle, for tests and invariant checks; production code goes through apply. */
  ledger(raffleId: string): Ledger | undefined {
    return this.raffles.get(raffleId);
  }

  checkInvariants(): void {
    for (const ledger of this.raffles.values()) ledger.checkInvariants();
  }

  /**
   * A canonical text of the whole logical state (raffles, balances in order, draw history), for
   * comparing two state machines; replay tests compare these.
   */
  digestText(): string {
    const parts: string[] = [`seq=${this.lastSeq}`, limitsText(this.currentLimits)];
    for (const ledger of this.raffles.values()) {
      const stats = ledger.stats();
      const { counters, entries, draws } = ledger.contents();
      parts.push(JSON.stringify(stats), `nextSeq=${counters.nextSeq}`);
      for (const entry of entries) parts.push(`${entry.seq}:${entry.name}:${entry.weight}`);
      parts.push(JSON.stringify(draws));
    }
    for (const [key, record] of this.idempotency) {
      // Messages are prose for people; the digest keeps what a client switches on.
      const kept = JSON.stringify(record.outcome, (name, value: unknown) =>
        name === 'message' ? undefined : value,
      );
      parts.push(`${JSON.stringify([key, record.seq, record.atMs])}${kept}`);
    }
    return parts.join('\n');
  }

  /** The whole state, for a snapshot; see `StateImage`. */
  image(): StateImage {
    const raffles = this.raffles;
    return {
      seq: this.lastSeq,
      limits: this.limits,
      raffles: (function* () {
        for (const ledger of raffles.values()) {
          yield {
            id: ledger.id,
            name: ledger.name,
            createdAtMs: ledger.createdAtMs,
            contents: ledger.contents(),
          };
        }
      })(),
      idempotency: this.idempotency.entries(),
    };
  }

  /** Rebuilds a machine from an image, as `image()` gave it (possibly read back from a file). */
  static restore(image: StateImage): StateMachine {
    const machine = new StateMachine(image.limits);
    machine.lastSeq = image.seq;
    for (const raffle of image.raffles) {
      assert(!machine.raffles.has(raffle.id), `raffle '${raffle.id}' appears once in the image`);
      const ledger = new Ledger(
        {
          id: raffle.id,
          name: raffle.name,
          createdAtMs: raffle.createdAtMs,
          levelSeed: raffle.contents.counters.randomState,
          participantsMax: image.limits.participantsPerRaffleMax,
        },
        raffle.contents,
      );
      machine.raffles.set(raffle.id, ledger);
    }
    for (const [key, record] of image.idempotency) machine.idempotency.set(key, record);
    return machine;
  }
}

function raffleNotFound(raffleId: string): Outcome<never> {
  return refuse('raffle_not_found', `No raffle has id '${raffleId}'.`);
}
