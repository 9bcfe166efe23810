/**
 * One prize raffle: tickets 1..N claimed one per holder in a uniformly random order, then, once
 * sold out, one draw that gives each prize a distinct winning ticket.
 *
 * The hand-out order is a lazy Fisher–Yates shuffle (`lazy-shuffle.ts`), so a raffle of ten million
 * tickets starts empty and grows with its claims. A claim records the holder (a keyed pseudonym of
 * the client address, made at the edge) and the keyed hash of the ticket's verification code (also
 * made at the edge): no code and no address is ever held here. Claims live in three parallel
 * arrays in claim order plus two maps from ticket and from holder to the claim's index, which
 * keeps one small record per claim and the claim order for snapshots. Every random choice reads a
 * stream built from stamped bytes, so replaying the commands replays the same tickets and winners.
 */
import { timingSafeEqual } from 'node:crypto';
import { refuse } from '../../domain/reasons.js';
import { uniformIndex } from '../../domain/random-index.js';
import { ok, type Outcome } from '../../engine/commands.js';
import { floydSample } from './floyd-sample.js';
import { LazyShuffle } from './lazy-shuffle.js';

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`prize raffle assertion failed: ${message}`);
}

export type PrizeRaffleStatus = 'open' | 'sold_out' | 'drawn';

/** What a prize raffle is, as queries answer it (no holder, no hash). */
export interface PrizeRaffleSummary {
  id: string;
  name: string;
  ticketCount: number;
  ticketsClaimed: number;
  ticketsRemaining: number;
  status: PrizeRaffleStatus;
  prizes: string[];
  createdAtMs: number;
  drawnAtMs: number | undefined;
}

export interface PrizeWinner {
  prize: string;
  ticketNumber: number;
}

export interface PrizeDrawResult {
  raffleId: string;
  winners: PrizeWinner[];
  drawnAtMs: number;
}

export interface VerificationResult {
  ticketNumber: number;
  won: boolean;
  prize: string | null;
}

/** The fixed facts of a raffle, set when it is created. */
export interface PrizeRaffleInit {
  id: string;
  name: string;
  ticketCount: number;
  prizes: readonly string[];
  createdAtMs: number;
  /** 1-based creation number among the kind's raffles: the listing's order and cursor. */
  number: number;
}

/** One claim, as snapshots and digests write it. */
export type ClaimRow = [ticketNumber: number, holder: string, codeHash: string];

/** Everything a raffle holds beyond its fixed facts, for snapshots. */
export interface PrizeRaffleContents {
  claims: Iterable<ClaimRow>;
  moved: Iterable<[number, number]>;
  drawnAtMs: number | undefined;
  winners: readonly number[];
}

/**
 * Characters of a stored code hash (16 bytes in base64url). Hashes are compared as text, byte for
 * byte in constant time, so no decoding quirk can make two different texts equal.
 */
const codeHashLength = 22;
/** Compared against when nobody holds the number, so that case takes the time a mismatch takes. */
const absentCodeHash = Buffer.alloc(codeHashLength);

/** A deterministic source of random bytes, such as a `SeedByteStream` over a stamped seed. */
export interface ByteStream {
  nextByte(): number;
}

export class PrizeRaffle {
  readonly id: string;
  readonly name: string;
  readonly ticketCount: number;
  readonly prizes: readonly string[];
  readonly createdAtMs: number;
  readonly number: number;
  private readonly shuffle: LazyShuffle;
  private readonly claimTickets: number[] = [];
  private readonly claimHolders: string[] = [];
  private readonly claimCodeHashes: string[] = [];
  private readonly claimByTicket = new Map<number, number>();
  private readonly claimByHolder = new Map<string, number>();
  private drawnAt: number | undefined;
  private winners: number[] = [];
  /** Winning ticket to the index of its prize, built when the winners are known. */
  private prizeByTicket = new Map<number, number>();

  constructor(init: PrizeRaffleInit, contents?: PrizeRaffleContents) {
    assert(init.ticketCount >= 1, 'a raffle has tickets');
    assert(init.prizes.length <= init.ticketCount, 'no more prizes than tickets');
    this.id = init.id;
    this.name = init.name;
    this.ticketCount = init.ticketCount;
    this.prizes = [...init.prizes];
    this.createdAtMs = init.createdAtMs;
    this.number = init.number;
    let steps = 0;
    if (contents !== undefined) {
      for (const [ticketNumber, holder, codeHash] of contents.claims) {
        this.record(ticketNumber, holder, codeHash);
        steps += 1;
      }
      this.drawnAt = contents.drawnAtMs;
      this.setWinners([...contents.winners]);
    }
    this.shuffle = new LazyShuffle(init.ticketCount, {
      steps,
      moved: contents?.moved ?? [],
    });
  }

  get ticketsClaimed(): number {
    return this.claimTickets.length;
  }

  get status(): PrizeRaffleStatus {
    if (this.drawnAt !== undefined) return 'drawn';
    return this.ticketsClaimed === this.ticketCount ? 'sold_out' : 'open';
  }

  summary(): PrizeRaffleSummary {
    return {
      id: this.id,
      name: this.name,
      ticketCount: this.ticketCount,
      ticketsClaimed: this.ticketsClaimed,
      ticketsRemaining: this.ticketCount - this.ticketsClaimed,
      status: this.status,
      prizes: [...this.prizes],
      createdAtMs: this.createdAtMs,
      drawnAtMs: this.drawnAt,
    };
  }

  /**
   * Hands the next ticket of the shuffle to `holder`, reading the offset from `stream`. Refuses a
   * holder who already holds one, and a raffle with none left.
   */
  claim(holder: string, codeHash: string, stream: ByteStream): Outcome<{ ticketNumber: number }> {
    if (this.claimByHolder.has(holder)) {
      return refuse('already_participated', `This address already holds a ticket of '${this.id}'.`);
    }
    if (this.shuffle.remaining === 0) {
      return refuse('sold_out', `Every ticket of '${this.id}' has been claimed.`);
    }
    const ticketNumber = this.shuffle.next(uniformIndex(this.shuffle.remaining, stream)) + 1;
    this.record(ticketNumber, holder, codeHash);
    return ok({ ticketNumber });
  }

  /**
   * Picks the winners: once, only when sold out, one distinct ticket per prize (duplicate prize
   * names are distinct prizes), uniformly, from `stream`.
   */
  draw(stream: ByteStream, atMs: number): Outcome<PrizeDrawResult> {
    if (this.drawnAt !== undefined) {
      return refuse('already_drawn', `The winners of '${this.id}' have already been drawn.`);
    }
    const remaining = this.ticketCount - this.ticketsClaimed;
    if (remaining > 0) {
      return refuse(
        'tickets_remaining',
        `${remaining} of the ${this.ticketCount} tickets of '${this.id}' are still unclaimed.`,
      );
    }
    const picks = floydSample(this.prizes.length, this.ticketCount, (bound) =>
      uniformIndex(bound, stream),
    );
    this.drawnAt = atMs;
    this.setWinners(picks.map((index) => index + 1));
    return ok(this.drawResult());
  }

  /** The winners, once drawn. */
  drawn(): Outcome<PrizeDrawResult> {
    if (this.drawnAt === undefined) return this.notDrawn();
    return ok(this.drawResult());
  }

  /**
   * Whether `codeHash` is the hash stored for `ticketNumber`, and what that ticket won. A wrong
   * hash and a number nobody holds are refused alike, with a comparison of the same length either
   * way, so an answer tells nothing about which numbers are held.
   */
  verify(ticketNumber: number, codeHash: string): Outcome<VerificationResult> {
    if (this.drawnAt === undefined) return this.notDrawn();
    const index = this.claimByTicket.get(ticketNumber);
    const stored =
      index === undefined
        ? absentCodeHash
        : Buffer.from(this.claimCodeHashes[index] as string, 'latin1');
    const given = Buffer.from(codeHash, 'latin1');
    const sameLength = given.length === codeHashLength && stored.length === codeHashLength;
    const equal = timingSafeEqual(
      sameLength ? stored : absentCodeHash,
      sameLength ? given : absentCodeHash,
    );
    if (index === undefined || !sameLength || !equal) {
      return refuse(
        'verification_failed',
        'This ticket number and verification code do not match a claimed ticket.',
      );
    }
    const prizeIndex = this.prizeByTicket.get(ticketNumber);
    return ok({
      ticketNumber,
      won: prizeIndex !== undefined,
      prize: prizeIndex === undefined ? null : (this.prizes[prizeIndex] as string),
    });
  }

  /** The claims in claim order, the shuffle's sparse map and the draw, for snapshots. */
  contents(): PrizeRaffleContents {
    const { claimTickets, claimHolders, claimCodeHashes } = this;
    return {
      claims: (function* (): Generator<ClaimRow> {
        for (let i = 0; i < claimTickets.length; i += 1) {
          yield [
            claimTickets[i] as number,
            claimHolders[i] as string,
            claimCodeHashes[i] as string,
          ];
        }
      })(),
      moved: this.shuffle.entries(),
      drawnAtMs: this.drawnAt,
      winners: this.winners,
    };
  }

  /** Entries of the shuffle's sparse map: what the hand-out order costs in memory. */
  get shuffleEntries(): number {
    return this.shuffle.movedCount;
  }

  /**
   * Claimed numbers are distinct and in 1..N, one per holder; the shuffle's map and the claims
   * describe one permutation; winners are distinct claimed tickets, one per prize, only once sold
   * out; the counts agree.
   */
  checkInvariants(): void {
    const claims = this.claimTickets.length;
    assert(this.claimHolders.length === claims, 'one holder per claim');
    assert(this.claimCodeHashes.length === claims, 'one code hash per claim');
    assert(this.claimByTicket.size === claims, 'claimed tickets are distinct');
    assert(this.claimByHolder.size === claims, 'holders are distinct');
    assert(claims <= this.ticketCount, 'no more claims than tickets');
    assert(this.shuffle.taken === claims, 'one shuffle step per claim');
    for (let i = 0; i < claims; i += 1) {
      const ticket = this.claimTickets[i] as number;
      assert(Number.isSafeInteger(ticket), `claim ${i} has a whole ticket number`);
      assert(ticket >= 1 && ticket <= this.ticketCount, `ticket ${ticket} is in 1..N`);
      assert(this.claimByTicket.get(ticket) === i, `ticket ${ticket} indexes its claim`);
      assert(this.claimByHolder.get(this.claimHolders[i] as string) === i, `claim ${i}'s holder`);
    }
    const tickets = this.claimTickets;
    this.shuffle.checkInvariants(
      (function* () {
        for (const ticket of tickets) yield ticket - 1;
      })(),
      (value) => this.claimByTicket.has(value + 1),
    );
    if (this.drawnAt === undefined) {
      assert(this.winners.length === 0, 'no winners before the draw');
    } else {
      assert(claims === this.ticketCount, 'drawn only once sold out');
      assert(this.winners.length === this.prizes.length, 'one winner per prize');
      assert(this.prizeByTicket.size === this.winners.length, 'winners are distinct');
      for (const ticket of this.winners) {
        assert(this.claimByTicket.has(ticket), `winner ${ticket} is a claimed ticket`);
      }
    }
  }

  private record(ticketNumber: number, holder: string, codeHash: string): void {
    const index = this.claimTickets.length;
    this.claimTickets.push(ticketNumber);
    this.claimHolders.push(holder);
    this.claimCodeHashes.push(codeHash);
    this.claimByTicket.set(ticketNumber, index);
    this.claimByHolder.set(holder, index);
  }

  private setWinners(winners: number[]): void {
    this.winners = winners;
    this.prizeByTicket = new Map(winners.map((ticket, prize) => [ticket, prize]));
  }

  private drawResult(): PrizeDrawResult {
    assert(this.drawnAt !== undefined, 'the raffle is drawn');
    return {
      raffleId: this.id,
      winners: this.winners.map((ticketNumber, prize) => ({
        prize: this.prizes[prize] as string,
        ticketNumber,
      })),
      drawnAtMs: this.drawnAt,
    };
  }

  private notDrawn(): Outcome<never> {
    return refuse('not_drawn', `The winners of '${this.id}' have not been drawn yet.`);
  }
}
