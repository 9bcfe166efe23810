/**
 * A naive reference of the state machine: raffles in a Map, balances in the reference list (linear
 * scan for draws), the business rules written out plainly. The property tests run random command
 * sequences through both and compare every outcome and the whole state.
 */
import {
  idempotencyAnswerBytesMaxDefault,
  idempotencyBytesMaxDefault,
  idempotencyKeysMaxDefault,
  idempotencyTtlMsDefault,
  ticketsTotalMax,
} from '../../src/config/limits.js';
import type { Outcome, StampedCommand, StateLimits } from '../../src/engine/commands.js';
import { generatedRaffleId } from '../../src/kinds/ledger/kind.js';
import { kinds } from '../../src/kinds/registry.js';
import type { LedgerMutation } from './ledger-commands.js';
import type { DrawRecord } from '../../src/kinds/ledger/ledger.js';
import { ticketIndexFromSeed } from '../../src/domain/random-index.js';
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

interface ReferenceKeyRecord {
  key: string;
  kind: string;
  /** The command's kind and content without its key, compared as a whole. */
  content: string;
  outcome: Outcome<unknown>;
  atMs: number;
  seq: number;
}

/** A command's content without its key: every field but `idempotencyKey`, keys sorted. */
function contentOf(command: object): string {
  const fields = Object.entries(command)
    .filter(([name, value]) => name !== 'idempotencyKey' && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(fields);
}

export class ReferenceStateMachine {
  readonly raffles = new Map<string, ReferenceRaffle>();
  /** Idempotency records, oldest first. */
  keyed: ReferenceKeyRecord[] = [];
  /** How many keyed commands were answered from a record instead of being applied. */
  replays = 0;
  limits: StateLimits;

  constructor(limits: { rafflesMax: number; participantsPerRaffleMax: number }) {
    this.limits = {
      idempotencyKeysMax: idempotencyKeysMaxDefault,
      idempotencyTtlMs: idempotencyTtlMsDefault,
      idempotencyBytesMax: idempotencyBytesMaxDefault,
      idempotencyAnswerBytesMax: idempotencyAnswerBytesMaxDefault,
      ...limits,
    };
  }

  /**
   * Keys: records older than the TTL are dropped from the oldest until a younger one; a record
   * found for the key but expired counts as absent; a hit with the same content answers the
   * first outcome, with other content `idempotency_key_reused`; past the count bound the oldest
   * records go.
   */
  apply(stamped: StampedCommand): Outcome<unknown> {
    const key = stamped.command.idempotencyKey;
    if (key === undefined) return this.applyPlain(stamped);
    const horizon = stamped.atMs - this.limits.idempotencyTtlMs;
    while (this.keyed.length > 0 && this.keyed[0]!.atMs <= horizon) this.keyed.shift();
    const content = contentOf(stamped.command);
    let found = this.keyed.find((record) => record.key === key);
    if (found !== undefined && found.atMs <= horizon) {
      this.keyed = this.keyed.filter((record) => record !== found);
      found = undefined;
    }
    if (found !== undefined) {
      if (found.content !== content) return refused('idempotency_key_reused');
      this.replays += 1;
      return found.outcome;
    }
    const outcome = this.applyPlain(stamped);
    this.keyed.push({
      key,
      kind: stamped.command.kind,
      content,
      outcome,
      atMs: stamped.atMs,
      seq: stamped.seq,
    });
    while (this.keyed.length > this.limits.idempotencyKeysMax) this.keyed.shift();
    return outcome;
  }

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

  private applyPlain(stamped: StampedCommand): Outcome<unknown> {
    const c = stamped.command as unknown as LedgerMutation;
    if (c.type === 'configure') {
      this.limits = { ...c.limits };
      while (this.keyed.length > this.limits.idempotencyKeysMax) this.keyed.shift();
      return ok({ ...c.limits });
    }
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
    if (c.type === 'issueBulk' || c.type === 'transferBulk') {
      const results = c.items.map((item) =>
        this.applyPlain({
          ...stamped,
          command:
            c.type === 'issueBulk'
              ? {
                  kind: 'ledger',
                  type: 'issue',
                  raffleId: c.raffleId,
                  ...(item as { username: string; count: number }),
                }
              : {
                  kind: 'ledger',
                  type: 'transfer',
                  raffleId: c.raffleId,
                  ...(item as { from: string; to: string; count: number }),
                },
        }),
      );
      const applied = results.filter((result) => result.ok).length;
      return ok({ applied, refused: results.length - applied, results });
    }
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
    // The answer says where its random bytes came from: this command and its seed (no chain is
    // committed in these runs, and no beacon named).
    const link = Buffer.from(stamped.seed as Uint8Array).toString('hex');
    return ok({ ...record, randomness: { seq: stamped.seq, link } });
  }

  /** The same canonical text as `StateMachine.digestText()`. */
  digestText(lastSeq: number): string {
    const l = this.limits;
    const limits = [
      l.rafflesMax,
      l.participantsPerRaffleMax,
      l.idempotencyKeysMax,
      l.idempotencyTtlMs,
      l.idempotencyBytesMax,
      l.idempotencyAnswerBytesMax,
    ];
    const parts: string[] = [`seq=${lastSeq}`, JSON.stringify(limits)];
    parts.push('kind=ledger');
    for (const raffle of this.raffles.values()) {
      parts.push(JSON.stringify(this.stats(raffle)), `nextSeq=${raffle.list.nextSeq}`);
      for (const entry of raffle.list.entries()) {
        parts.push(`${entry.seq}:${entry.name}:${entry.weight}`);
      }
      parts.push(JSON.stringify(raffle.draws));
    }
    // The other registered kinds hold nothing in these runs, so their digests add no line.
    for (const kind of kinds) if (kind.name !== 'ledger') parts.push(`kind=${kind.name}`);
    for (const record of this.keyed) {
      parts.push(
        `${JSON.stringify([record.key, record.kind, record.seq, record.atMs])}${JSON.stringify(record.outcome)}`,
      );
    }
    return parts.join('\n');
  }
}
