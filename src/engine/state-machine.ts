/**
 * The deterministic state machine: every raffle's ledger, changed only by `apply`.
 *
 * `apply` does no I/O and reads neither the clock nor a random source; the time and the random
 * bytes travel inside the stamped command. Replaying the same stamped commands in the same order
 * therefore rebuilds the same state, which is what the journal, replicas and audits rely on.
 * Reads (`query`) never change the state. The state machine holds a map of ledgers so that other
 * raffle kinds can later sit beside the classic one behind the same commands.
 */
import { Ledger } from '../ledger/ledger.js';
import { refuse } from '../domain/reasons.js';
import type { RaffleStats } from '../ledger/ledger.js';
import type { Mutation, Outcome, OutcomeOf, Query, StampedCommand } from './commands.js';

export interface StateMachineLimits {
  rafflesMax: number;
  participantsPerRaffleMax: number;
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

export class StateMachine {
  private readonly raffles = new Map<string, Ledger>();
  private lastSeq = 0;

  constructor(private readonly limits: StateMachineLimits) {}

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
    return this.applyMutation(stamped) as OutcomeOf<M>;
  }

  private applyMutation(stamped: StampedCommand): Outcome<unknown> {
    const { command } = stamped;
    switch (command.type) {
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
    if (this.raffles.size >= this.limits.rafflesMax) {
      return refuse(
        'raffle_limit_reached',
        `The service already holds ${this.limits.rafflesMax} raffles.`,
      );
    }
    const ledger = new Ledger({
      id,
      name,
      createdAtMs: stamped.atMs,
      levelSeed: uint32FromSeed(stamped.seed, 0),
      participantsMax: this.limits.participantsPerRaffleMax,
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
    const parts: string[] = [`seq=${this.lastSeq}`];
    for (const ledger of this.raffles.values()) {
      const stats = ledger.stats();
      parts.push(JSON.stringify(stats));
      for (const balance of ledger.balancesInOrder()) {
        parts.push(`${balance.username}:${balance.tickets}`);
      }
      parts.push(JSON.stringify(ledger.draws(0, Math.max(1, ledger.drawCount)).draws));
    }
    return parts.join('\n');
  }
}

function raffleNotFound(raffleId: string): Outcome<never> {
  return refuse('raffle_not_found', `No raffle has id '${raffleId}'.`);
}
