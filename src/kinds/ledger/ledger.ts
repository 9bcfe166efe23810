/**
 * One raffle's ledger: who holds how many tickets, and who won.
 *
 * The ledger owns the business rules (enough tickets, not empty, no overflow, bounded participant
 * count) and returns each refusal as a value with a reason code; anything that can only happen
 * through a bug in the caller is an assertion that throws. Balances live in a
 * `WeightedSkipList` ordered by admission, so issue, transfer and draw are O(log n) and a listing
 * page is O(log n + page). The ledger is a plain synchronous object: it never reads the clock or a
 * random source — the time and the random seed of a draw arrive as arguments — so replaying the
 * same calls rebuilds the same ledger.
 */
import { refuse, type Refusal } from '../../domain/reasons.js';
import { ticketIndexFromSeed } from '../../domain/random-index.js';
import { WeightedSkipList } from './weighted-skip-list.js';
import type { WeightedEntry, WeightedSkipListCounters } from './weighted-skip-list.js';
import { ticketsTotalMax } from '../../config/limits.js';

export type LedgerResult<T> = { readonly ok: true; readonly value: T } | Refusal;

export interface ParticipantBalance {
  username: string;
  tickets: number;
}

export interface IssueResult extends ParticipantBalance {
  totalTickets: number;
}

export interface TransferResult {
  from: ParticipantBalance;
  to: ParticipantBalance;
}

export interface DrawRecord {
  /** 1-based number of the draw within its raffle. */
  drawId: number;
  username: string;
  /** The winning ticket's index in [0, totalTicketsBefore), in listing order. */
  ticketIndex: number;
  /** Tickets the winner holds after the drawn one was removed. */
  ticketsLeft: number;
  totalTicketsBefore: number;
  /** Milliseconds since the epoch, stamped by the command queue. */
  atMs: number;
}

export interface RaffleStats {
  id: string;
  name: string;
  createdAtMs: number;
  totalTickets: number;
  participantCount: number;
  drawCount: number;
}

export interface ParticipantPage {
  participants: ParticipantBalance[];
  /** Admission sequence of the last participant returned, when more may follow. */
  nextAfterSeq: number | undefined;
}

export interface DrawPage {
  draws: DrawRecord[];
  nextAfterDrawId: number | undefined;
}

export interface LedgerOptions {
  id: string;
  name: string;
  createdAtMs: number;
  /** Seed of the skip list's level generator (uint32); affects speed only, never outcomes. */
  levelSeed: number;
  participantsMax: number;
}

function ok<T>(value: T): LedgerResult<T> {
  return { ok: true, value };
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`ledger assertion failed: ${message}`);
}

function assertCount(count: number): void {
  assert(Number.isSafeInteger(count), 'count is a safe integer');
  assert(count > 0, 'count is positive');
}

/** Everything a snapshot needs to rebuild a ledger, besides its options. */
export interface LedgerContents {
  counters: WeightedSkipListCounters;
  /** Balances in admission order, with their admission seqs (the listing cursors). */
  entries: Iterable<WeightedEntry>;
  draws: readonly DrawRecord[];
}

export class Ledger {
  readonly id: string;
  readonly name: string;
  readonly createdAtMs: number;
  /** Most participants; the state machine changes it when the limits are reconfigured. */
  participantsMax: number;
  private readonly balances: WeightedSkipList;
  private readonly drawHistory: DrawRecord[] = [];

  constructor(options: LedgerOptions, contents?: LedgerContents) {
    this.id = options.id;
    this.name = options.name;
    this.createdAtMs = options.createdAtMs;
    this.participantsMax = options.participantsMax;
    if (contents === undefined) {
      this.balances = new WeightedSkipList({ seed: options.levelSeed >>> 0 });
    } else {
      this.balances = WeightedSkipList.restore(contents.counters, contents.entries);
      for (const record of contents.draws) this.drawHistory.push(record);
    }
  }

  /**
   * What a snapshot keeps; `new Ledger(options, contents)` rebuilds an equal ledger. The entries
   * iterate the live list, so the ledger must not change until they are consumed.
   */
  contents(): LedgerContents {
    return {
      counters: this.balances.counters(),
      entries: this.balances.entries(),
      draws: this.drawHistory,
    };
  }

  get totalTickets(): number {
    return this.balances.totalWeight;
  }

  get participantCount(): number {
    return this.balances.size;
  }

  get drawCount(): number {
    return this.drawHistory.length;
  }

  ticketsOf(username: string): number {
    return this.balances.weightOf(username);
  }

  issue(username: string, count: number): LedgerResult<IssueResult> {
    assertCount(count);
    const totalBefore = this.balances.totalWeight;
    if (count > ticketsTotalMax - totalBefore) {
      return refuse(
        'ticket_total_overflow',
        `Issuing ${count} tickets would take raffle '${this.id}' past ${ticketsTotalMax} tickets.`,
      );
    }
    const node = this.balances.find(username);
    if (node === undefined && this.balances.size >= this.participantsMax) {
      return refuse(
        'participant_limit_reached',
        `Raffle '${this.id}' already holds ${this.participantsMax} participants.`,
      );
    }
    const tickets =
      node === undefined ? this.balances.add(username, count) : this.balances.addAt(node, count);
    assert(this.balances.totalWeight === totalBefore + count, 'issue adds count to the total');
    return ok({ username, tickets, totalTickets: this.balances.totalWeight });
  }

  transfer(from: string, to: string, count: number): LedgerResult<TransferResult> {
    assertCount(count);
    if (from === to) {
      return refuse('transfer_to_self', `'${from}' cannot transfer tickets to themselves.`);
    }
    // Each name is looked up once; the handles stay valid until a participant leaves.
    const donor = this.balances.find(from);
    if (donor === undefined) {
      return refuse('participant_not_found', `'${from}' holds no tickets in raffle '${this.id}'.`);
    }
    const donorTickets = this.balances.weightAt(donor);
    if (donorTickets < count) {
      return refuse(
        'insufficient_tickets',
        `'${from}' holds ${donorTickets} tickets, fewer than the ${count} asked for.`,
      );
    }
    const recipient = this.balances.find(to);
    const recipientIsNew = recipient === undefined;
    const donorLeaves = donorTickets === count;
    if (recipientIsNew && !donorLeaves && this.balances.size >= this.participantsMax) {
      return refuse(
        'participant_limit_reached',
        `Raffle '${this.id}' already holds ${this.participantsMax} participants.`,
      );
    }
    const totalBefore = this.balances.totalWeight;
    // The donor leaving frees only the donor's node, so the recipient's handle stays valid.
    const fromTickets = this.balances.subtractAt(donor, count);
    const toTickets =
      recipient === undefined
        ? this.balances.add(to, count)
        : this.balances.addAt(recipient, count);
    assert(this.balances.totalWeight === totalBefore, 'a transfer conserves the total');
    return ok({
      from: { username: from, tickets: fromTickets },
      to: { username: to, tickets: toTickets },
    });
  }

  /** Draws one ticket with the given seed, removes it and records the draw. */
  draw(seed: Uint8Array, atMs: number): LedgerResult<DrawRecord> {
    const totalTicketsBefore = this.balances.totalWeight;
    if (totalTicketsBefore === 0) {
      return refuse('raffle_empty', `Raffle '${this.id}' holds no tickets to draw.`);
    }
    const ticketIndex = ticketIndexFromSeed(totalTicketsBefore, seed);
    assert(ticketIndex >= 0 && ticketIndex < totalTicketsBefore, 'ticket index is in range');
    const winner = this.balances.nodeAt(ticketIndex);
    const username = this.balances.nameOf(winner);
    const ticketsLeft = this.balances.subtractAt(winner, 1);
    assert(this.balances.totalWeight === totalTicketsBefore - 1, 'a draw removes one ticket');
    const record: DrawRecord = {
      drawId: this.drawHistory.length + 1,
      username,
      ticketIndex,
      ticketsLeft,
      totalTicketsBefore,
      atMs,
    };
    this.drawHistory.push(record);
    return ok(record);
  }

  participant(username: string): LedgerResult<ParticipantBalance> {
    const tickets = this.balances.weightOf(username);
    if (tickets === 0) {
      return refuse(
        'participant_not_found',
        `'${username}' holds no tickets in raffle '${this.id}'.`,
      );
    }
    return ok({ username, tickets });
  }

  /** The admission seq the next newcomer gets: every seq below it was handed out. */
  get nextAdmissionSeq(): number {
    return this.balances.counters().nextSeq;
  }

  /** Participants admitted after `afterSeq` (0: from the start), in admission order. */
  participants(afterSeq: number, limit: number): ParticipantPage {
    assert(limit >= 1, 'page limit is positive');
    // One more than asked tells whether another page exists without a second search.
    const entries = this.balances.entriesAfter(afterSeq, limit + 1);
    const page = entries.slice(0, limit);
    const last = page[page.length - 1];
    return {
      participants: page.map((entry) => ({ username: entry.name, tickets: entry.weight })),
      nextAfterSeq: entries.length > limit && last !== undefined ? last.seq : undefined,
    };
  }

  draws(afterDrawId: number, limit: number): DrawPage {
    assert(limit >= 1, 'page limit is positive');
    const start = Math.max(0, Math.floor(afterDrawId));
    const page = this.drawHistory.slice(start, start + limit);
    const last = page[page.length - 1];
    const more = start + limit < this.drawHistory.length;
    return { draws: page, nextAfterDrawId: more && last !== undefined ? last.drawId : undefined };
  }

  stats(): RaffleStats {
    return {
      id: this.id,
      name: this.name,
      createdAtMs: this.createdAtMs,
      totalTickets: this.totalTickets,
      participantCount: this.participantCount,
      drawCount: this.drawCount,
    };
  }

  /** Every balance in admission order: for digests, snapshots and tests. */
  *balancesInOrder(): IterableIterator<ParticipantBalance> {
    for (const entry of this.balances.entries()) {
      yield { username: entry.name, tickets: entry.weight };
    }
  }

  /**
   * Full walk of the structure; throws naming the first broken invariant. The skip list checks
   * the balances themselves (every one positive, their sum equal to the total, spans exact); the
   * ledger adds what it owns, the draw history.
   */
  checkInvariants(): void {
    this.balances.checkInvariants();
    this.drawHistory.forEach((record, index) => {
      assert(record.drawId === index + 1, 'draw ids are consecutive');
      assert(record.ticketIndex < record.totalTicketsBefore, 'the drawn ticket was in range');
    });
  }
}
