/**
 * The simulation's view of what the service should hold: the naive reference models of the
 * ledger (`test/support/reference-state-machine.ts`, which also keeps idempotency records) and of
 * prize raffles (`test/support/reference-prize.ts`), fed the same stamped commands as the real
 * state machine, in the same order.
 *
 * It keeps each command's expected outcome beside its sequence number, answers what a read should
 * see, and gives the digest the whole state should have — the ledger model's text with the prize
 * model's lines where the prize kind's section goes. Outcomes are compared as canonical JSON
 * without messages (prose for people, not part of the contract).
 */
import type { Outcome, StampedCommand, StateLimits } from '../../src/engine/commands.js';
import { ReferencePrize } from '../../test/support/reference-prize.js';
import { ReferenceStateMachine } from '../../test/support/reference-state-machine.js';
import type { Submission, PrizeSubmission } from './workload.js';

/** Keys sorted, messages and undefined fields dropped: equal values, equal text. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, field]) => key !== 'message' && field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, field]) => [key, canonical(field)]),
  );
}

/** An outcome as compared: its canonical value, or its reason. */
export const text = (outcome: Outcome<unknown>): string =>
  JSON.stringify(outcome.ok ? canonical(outcome.value) : outcome.reason);

export class SimulationModels {
  private ledger: ReferenceStateMachine;
  private prize: ReferencePrize;
  private readonly outcomes = new Map<number, string>();

  constructor(
    private readonly limits: Pick<StateLimits, 'rafflesMax' | 'participantsPerRaffleMax'>,
  ) {
    this.ledger = new ReferenceStateMachine(limits);
    this.prize = new ReferencePrize(limits.rafflesMax);
  }

  /** Starts again from nothing and applies `commands` (after a recovery). */
  rebuild(commands: readonly StampedCommand[]): void {
    this.ledger = new ReferenceStateMachine(this.limits);
    this.prize = new ReferencePrize(this.limits.rafflesMax);
    this.outcomes.clear();
    for (const stamped of commands) this.apply(stamped);
  }

  /** Applies a stamped command: prize raffles to their model, the rest to the ledger's. */
  apply(stamped: StampedCommand): void {
    const command = stamped.command as unknown as PrizeSubmission;
    let outcome: Outcome<unknown>;
    if (command.kind !== 'prize') {
      outcome = this.ledger.apply(stamped);
    } else {
      const seed = stamped.seed as Uint8Array;
      if (command.type === 'createRaffle') {
        outcome = this.prize.create(command, seed, stamped.atMs) as Outcome<unknown>;
      } else if (command.type === 'claim') {
        outcome = this.prize.claim(command, seed) as Outcome<unknown>;
      } else if (command.type === 'draw') {
        outcome = this.prize.draw(command.raffleId, seed, stamped.atMs) as Outcome<unknown>;
        // A draw answer also names its randomness: the command number and the seed link.
        if (outcome.ok) {
          const randomness = { seq: stamped.seq, link: Buffer.from(seed).toString('hex') };
          outcome = { ...outcome, value: { ...(outcome.value as object), randomness } };
        }
      } else {
        throw new Error(`a read was logged: ${command.type}`);
      }
    }
    this.outcomes.set(stamped.seq, text(outcome));
  }

  /** The outcome the command with this seq should have had. */
  expected(seq: number): string {
    return this.outcomes.get(seq) ?? 'not applied by the model';
  }

  /** What a read should answer now, as text. */
  expectedRead(read: Submission): string {
    if ('kind' in read && read.kind === 'prize') {
      return text(this.prize.get((read as { raffleId: string }).raffleId) as Outcome<unknown>);
    }
    const raffle = 'raffleId' in read ? this.ledger.raffles.get(read.raffleId) : undefined;
    if (raffle === undefined) return JSON.stringify('raffle_not_found');
    if (read.type === 'getRaffle') {
      return JSON.stringify(
        canonical({
          id: raffle.id,
          name: raffle.name,
          createdAtMs: raffle.createdAtMs,
          totalTickets: raffle.list.totalWeight,
          participantCount: raffle.list.size,
          drawCount: raffle.draws.length,
        }),
      );
    }
    const username = (read as { username: string }).username;
    const tickets = raffle.list.weightOf(username);
    return JSON.stringify(
      tickets === 0 ? 'participant_not_found' : canonical({ username, tickets }),
    );
  }

  prizeRaffleExists(id: string): boolean {
    return this.prize.get(id).ok;
  }

  /** The whole state's digest text as the models see it, at `seq`. */
  digest(seq: number): string {
    const prizeLines = this.prize.digestLines();
    return this.ledger
      .digestText(seq)
      .split('\n')
      .flatMap((line) => (line === 'kind=prize' ? [line, ...prizeLines] : [line]))
      .join('\n');
  }
}
