/**
 * What the simulated clients ask: rounds of ledger and prize-raffle commands and reads, drawn
 * from the simulation's one seeded random source.
 *
 * Ledger commands aim at the default raffle half the time (so they meet tickets, not
 * `raffle_not_found`), carry idempotency keys from a small pool (so keys are reused, with the same
 * request and with another) and are sometimes resent verbatim, as a client retries — also after a
 * restart. Prize commands aim mostly at raffles that exist, so tickets sell out and draws happen;
 * they carry no key, because the kind compares a keyed claim by raffle and holder only, which the
 * ledger's reference of keys does not model.
 */
import type { Outcome } from '../../src/engine/commands.js';
import type { Engine } from '../../src/engine/engine.js';
import { prizeKind } from '../../src/kinds/prize/kind.js';
import {
  submitTo,
  type LedgerMutation,
  type LedgerQuery,
} from '../../test/support/ledger-commands.js';
import { randomInt, type Random } from '../history/random.js';

const names = ['ann', 'bo', 'cy', 'di', 'ed', 'flo', 'gus', 'hal'];
const raffleIds = ['main', 'side', 'third', 'fourth', 'ghost'];
const prizeIds = ['pa', 'pb', 'pc', 'ghost'];
/** Holders and code hashes look like the edge's keyed hashes: 22 base64url characters. */
const holders = ['ann', 'bo', 'cy', 'di', 'ed'].map((name) => name.padEnd(22, '_'));
const codeHashes = ['k1', 'k2', 'k3'].map((name) => name.padEnd(22, '-'));
const prizeNames = ['bike', 'mug', 'car'];

/** A prize-raffle command or read, with the kind's own fields. */
export type PrizeSubmission =
  | {
      kind: 'prize';
      type: 'createRaffle';
      id?: string;
      name: string;
      ticketCount: number;
      prizes: string[];
    }
  | { kind: 'prize'; type: 'claim'; raffleId: string; holder: string; codeHash: string }
  | { kind: 'prize'; type: 'draw'; raffleId: string }
  | { kind: 'prize'; type: 'getRaffle'; raffleId: string; read: true };

export type Submission = LedgerMutation | LedgerQuery | PrizeSubmission;

export const isPrize = (submission: Submission): submission is PrizeSubmission =>
  'kind' in submission && submission.kind === 'prize';

export const isRead = (submission: Submission): boolean =>
  submission.type === 'getRaffle' || submission.type === 'getParticipant';

/** Sends one submission to the engine, as the API layer would. */
export function submit(engine: Engine, submission: Submission): Promise<Outcome<unknown>> {
  if (!isPrize(submission)) return submitTo(engine, submission);
  if (submission.type === 'getRaffle') {
    return engine.query(prizeKind.queries.getRaffle, { raffleId: submission.raffleId });
  }
  return engine.submitCommand(submission);
}

export class Workload {
  /** Keyed commands sent so far: a client may send one again. */
  private readonly keyed: Submission[] = [];

  constructor(
    private readonly random: Random,
    private readonly prizeRaffleExists: (id: string) => boolean,
  ) {}

  private int(min: number, max: number): number {
    return randomInt(this.random, min, max);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  next(): Submission {
    if (this.random() < 0.2) return this.prizeSubmission();
    const raffleId = this.random() < 0.5 ? 'main' : this.pick(raffleIds);
    const roll = this.random();
    if (roll < 0.08 && this.keyed.length > 0) return this.pick(this.keyed); // a client's retry
    let command: Submission;
    if (roll < 0.13) {
      command = { type: 'createRaffle', id: this.random() < 0.2 ? undefined : raffleId, name: 'R' };
    } else if (roll < 0.45) {
      command = { type: 'issue', raffleId, username: this.pick(names), count: this.int(1, 20) };
    } else if (roll < 0.62) {
      const [from, to] = [this.pick(names), this.pick(names)];
      command = { type: 'transfer', raffleId, from, to, count: this.int(1, 12) };
    } else if (roll < 0.72) {
      command = { type: 'draw', raffleId };
    } else if (roll < 0.77) {
      const items = Array.from({ length: this.int(1, 3) }, () => ({
        username: this.pick(names),
        count: this.int(1, 5),
      }));
      command = { type: 'issueBulk', raffleId, items };
    } else if (roll < 0.88) {
      return { type: 'getRaffle', raffleId };
    } else {
      return { type: 'getParticipant', raffleId, username: this.pick(names) };
    }
    if (this.random() < 0.3) {
      command = { ...command, idempotencyKey: `key-${this.int(0, 9)}` };
      this.keyed.push(command);
    }
    return command;
  }

  private prizeSubmission(): PrizeSubmission {
    const roll = this.random();
    const existing = prizeIds.filter((id) => this.prizeRaffleExists(id));
    const raffleId =
      existing.length > 0 && this.random() < 0.8 ? this.pick(existing) : this.pick(prizeIds);
    if (roll < 0.2) {
      const prizes = Array.from({ length: this.int(1, 3) }, () => this.pick(prizeNames));
      const id = this.random() < 0.2 ? undefined : raffleId;
      return {
        kind: 'prize',
        type: 'createRaffle',
        ...(id === undefined ? {} : { id }),
        name: 'P',
        ticketCount: this.int(1, 5),
        prizes,
      };
    }
    if (roll < 0.6) {
      return {
        kind: 'prize',
        type: 'claim',
        raffleId,
        holder: this.pick(holders),
        codeHash: this.pick(codeHashes),
      };
    }
    if (roll < 0.8) return { kind: 'prize', type: 'draw', raffleId };
    return { kind: 'prize', type: 'getRaffle', raffleId, read: true };
  }
}
