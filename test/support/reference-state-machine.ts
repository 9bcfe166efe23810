/**
 * A naive reference of the state machine: raffles in a Map, balances in the reference list (linear
 * scan for draws), the business rules written out plainly. The property tests run random command
 * sequences through both and compare every outcome and the whole state.
 */
import { ticketsTotalMax } from '../../src/config/limits.js';
import type { Outcome, StampedCommand } from '../../src/engine/commands.js';
import { generatedRaffleId } from '../../src/engine/state-machine.js';
import type { DrawRecord } from '../../src/ledger/ledger.js';
import { ticketIndexFromSeed } from '../../src/ledger/random-index.js';
import { ReferenceWeightedList } from './reference-ledger.js';

interface ReferenceRaffle {
  id: string;
  name: string;
  createdAtMs: number;
  list: ReferenceWeightedList;
  draws: DrawRecord[];
}

const refused = (reason: string) => ({ ok: false, reason }) as unknown as Outcome<never>;
const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });

export class ReferenceStateMachine {
  readonly raffles = new Map<string, ReferenceRaffle>();

  constructor(private readonly limits: { rafflesMax: number; participantsPerRaffleMax: number }) {}

  private stats(raffle: ReferenceRaffle) {
    return {
      id: raffle.id,
      name: raffle.name,
      createdAtMs: raffle.createdAtMs,
      totalTickets: raffle.list.totalWeight,
      participantCount: raffle.list.size,
      drawCount: raffle.draws.length,
    };
  }

  apply(stamped: StampedCommand): Outcome<unknown> {
    const c = stamped.command;
    if (c.type === 'createRaffle') {
      const id = c.id ?? generatedRaffleId(stamped.seed as Uint8Array);
      if (this.raffles.has(id)) return refused('raffle_id_taken');
      if (this.raffles.size >= this.limits.rafflesMax) return refused('raffle_limit_reached');
      const raffle = {
        id,
        name: c.name,
        createdAtMs: stamped.atMs,
        list: new ReferenceWeightedList(),
        draws: [],
      };
      this.raffles.set(id, raffle);
      return ok(this.stats(raffle));
    }
    const raffle = this.raffles.get(c.raffleId);
    if (raffle === undefined) return refused('raffle_not_found');
    const list = raffle.list;
    if (c.type === 'issue') {
      if (list.totalWeight + c.count > ticketsTotalMax) return refused('ticket_total_overflow');
      if (list.weightOf(c.username) === 0 && list.size >= this.limits.participantsPerRaffleMax) {
        return refused('participant_limit_reached');
      }
      const tickets = list.add(c.username, c.count);
      return ok({ username: c.username, tickets, totalTickets: list.totalWeight });
    }
    if (c.type === 'transfer') {
      if (c.from === c.to) return refused('transfer_to_self');
      const donor = list.weightOf(c.from);
      if (donor === 0) return refused('participant_not_found');
      if (donor < c.count) return refused('insufficient_tickets');
      if (
        list.weightOf(c.to) === 0 &&
        donor !== c.count &&
        list.size >= this.limits.participantsPerRaffleMax
      ) {
        return refused('participant_limit_reached');
      }
      const fromTickets = list.subtract(c.from, c.count);
      const toTickets = list.add(c.to, c.count);
      return ok({
        from: { username: c.from, tickets: fromTickets },
        to: { username: c.to, tickets: toTickets },
      });
    }
    const total = list.totalWeight;
    if (total === 0) return refused('raffle_empty');
    const ticketIndex = ticketIndexFromSeed(total, stamped.seed as Uint8Array);
    const username = list.nameAt(ticketIndex);
    const ticketsLeft = list.subtract(username, 1);
    const record = {
      drawId: raffle.draws.length + 1,
      username,
      ticketIndex,
      ticketsLeft,
      totalTicketsBefore: total,
      atMs: stamped.atMs,
    };
    raffle.draws.push(record);
    return ok(record);
  }

  /** The same canonical text as `StateMachine.digestText()`. */
  digestText(lastSeq: number): string {
    const parts: string[] = [`seq=${lastSeq}`];
    for (const raffle of this.raffles.values()) {
      parts.push(JSON.stringify(this.stats(raffle)));
      for (const entry of raffle.list.entries()) parts.push(`${entry.name}:${entry.weight}`);
      parts.push(JSON.stringify(raffle.draws));
    }
    return parts.join('\n');
  }
}
