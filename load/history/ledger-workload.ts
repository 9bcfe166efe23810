/**
 * The ledger workload of the history recorder: what each client does next, from its own seeded
 * generator, so a recording can be repeated operation for operation (the service's answers and
 * the interleaving, of course, differ).
 *
 * The pool of participants is small on purpose: many clients on few names make every read race
 * with writes to the same balance, which is what a linearizability check needs to see. Listings
 * are of two sorts: one page large enough for the whole pool (an atomic read of every balance)
 * and walks of several small pages (not atomic; the conservation checker allows for that).
 */
import type { LedgerCall } from './ledger-client.js';
import type { LedgerOperationName } from './ledger-operations.js';
import { pickWeighted, randomInt, seededRandom, type Random } from './random.js';

export interface LedgerWorkloadOptions {
  /**
   * Participants per raffle, named `u0` …
   * @default 40
   */
  participants?: number;
  /** Relative weight of each operation. */
  mix?: Partial<Record<LedgerOperationName, number>>;
  /**
   * Page size of a listing walk; a one-page listing asks for the largest page (1,000).
   * @default 10
   */
  walkPageLimit?: number;
  /**
   * Largest count of an issue. Counts drawn from a wide range make balances rarely take the same
   * value twice, so each answer pins its operation's place among the others: the same trick as
   * writing unique values in a register test, and what keeps the linearizability search narrow.
   * @default 1000
   */
  issueCountMax?: number;
  /**
   * Largest count of a transfer.
   * @default 100
   */
  transferCountMax?: number;
}

export const defaultLedgerMix: Record<LedgerOperationName, number> = {
  issue: 40,
  transfer: 25,
  draw: 3,
  getParticipant: 18,
  getRaffle: 8,
  listParticipants: 6,
};

/** The largest page the service serves: a one-page listing of a pool up to this size. */
export const onePageLimit = 1000;

/** One client's stream of operations over the given raffles. */
export class LedgerClientWorkload {
  private readonly random: Random;
  private readonly participants: number;
  private readonly mix: Record<LedgerOperationName, number>;
  private readonly walkPageLimit: number;
  private readonly issueCountMax: number;
  private readonly transferCountMax: number;
  private walks = 0;
  /** The walk in progress: its raffle, number, next page and cursor. */
  private walk: { raffle: string; walk: number; page: number; cursor: string } | undefined;

  constructor(
    private readonly raffles: readonly string[],
    seed: number,
    options: LedgerWorkloadOptions = {},
  ) {
    this.random = seededRandom(seed);
    this.participants = options.participants ?? 40;
    this.mix = { ...defaultLedgerMix, ...options.mix };
    this.walkPageLimit = options.walkPageLimit ?? 10;
    this.issueCountMax = options.issueCountMax ?? 1000;
    this.transferCountMax = options.transferCountMax ?? 100;
    if (this.participants < 2) throw new Error('workload: at least two participants');
    if (this.participants > onePageLimit) {
      throw new Error(`workload: at most ${onePageLimit} participants (one-page listings)`);
    }
  }

  private name(): string {
    return `u${randomInt(this.random, 0, this.participants - 1)}`;
  }

  /**
   * The next call. `lastNextCursor` is the previous listing page's `nextCursor` when the previous
   * call was a page of a walk (undefined otherwise): a walk goes on until it is null.
   */
  next(lastNextCursor?: string | null): LedgerCall {
    if (this.walk !== undefined) {
      if (typeof lastNextCursor === 'string') {
        const { raffle, walk, page } = this.walk;
        this.walk = { raffle, walk, page: page + 1, cursor: lastNextCursor };
        return {
          raffle,
          f: 'listParticipants',
          input: { limit: this.walkPageLimit, cursor: lastNextCursor, walk, page: page + 1 },
        };
      }
      this.walk = undefined;
    }
    const raffle = this.raffles[randomInt(this.random, 0, this.raffles.length - 1)] as string;
    const f = pickWeighted(this.random, this.mix);
    switch (f) {
      case 'issue':
        return {
          raffle,
          f,
          input: { username: this.name(), count: randomInt(this.random, 1, this.issueCountMax) },
        };
      case 'transfer': {
        const from = this.name();
        let to = this.name();
        while (to === from) to = this.name();
        const count = randomInt(this.random, 1, this.transferCountMax);
        return { raffle, f, input: { from, to, count } };
      }
      case 'draw':
      case 'getRaffle':
        return { raffle, f, input: {} };
      case 'getParticipant':
        return { raffle, f, input: { username: this.name() } };
      case 'listParticipants': {
        this.walks += 1;
        const walk = this.walks;
        if (this.random() < 0.5) {
          return { raffle, f, input: { limit: onePageLimit, walk, page: 0 } };
        }
        this.walk = { raffle, walk, page: 0, cursor: '' };
        return { raffle, f, input: { limit: this.walkPageLimit, walk, page: 0 } };
      }
    }
  }
}
