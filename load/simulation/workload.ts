/**
 * What the simulated clients ask: rounds of ledger, prize-raffle and campaign commands and reads,
 * drawn from the simulation's one seeded random source.
 *
 * Ledger commands aim at the default raffle half the time (so they meet tickets, not
 * `raffle_not_found`), carry idempotency keys from a small pool (so keys are reused, with the same
 * request and with another) and are sometimes resent verbatim, as a client retries — also after a
 * restart. Prize commands aim mostly at raffles that exist, so tickets sell out and draws happen;
 * they carry no key, because the kind compares a keyed claim by raffle and holder only, which the
 * ledger's reference of keys does not model.
 *
 * Campaign submissions (a fifth of them) take the shapes the API layer gives the kind
 * (`src/api/routers/campaigns.ts`): phones as the edge's keyed pseudonyms, a draw's candidate
 * coupon as a tag (the keyed hash of a code) and an opaque seal, redemptions by tag. The keys are
 * fixed and the codes come from the seeded source, so a seed replays; the seal is a readable
 * stand-in, since only the edge ever opens one. Creations reuse three ids (and sometimes let the
 * kind make one), with quotas of a few coupons, windows around the clock and a few zones whose
 * midnights the clock's jumps cross; most draws come from three regular phones out of eight, more
 * than a campaign takes. Like prize commands they carry no idempotency key.
 */
import { createHash } from 'node:crypto';
import type { Outcome } from '../../src/engine/commands.js';
import type { Engine } from '../../src/engine/engine.js';
import { couponCodeFrom } from '../../src/api/coupon-code.js';
import { couponTagOf } from '../../src/api/coupon-seal.js';
import { phonePseudonymOf } from '../../src/api/phone-pseudonym.js';
import type { SecretKeys } from '../../src/api/secret-keys.js';
import { campaignKind } from '../../src/kinds/campaign/kind.js';
import { prizeKind } from '../../src/kinds/prize/kind.js';
import {
  submitTo,
  type LedgerMutation,
  type LedgerQuery,
} from '../../test/support/ledger-commands.js';
import { randomInt, type Random } from '../history/random.js';
import type { CampaignFields } from './campaign-models.js';

const names = ['ann', 'bo', 'cy', 'di', 'ed', 'flo', 'gus', 'hal'];
const raffleIds = ['main', 'side', 'third', 'fourth', 'ghost'];
const prizeIds = ['pa', 'pb', 'pc', 'ghost'];
/** Holders and code hashes look like the edge's keyed hashes: 22 base64url characters. */
const holders = ['ann', 'bo', 'cy', 'di', 'ed'].map((name) => name.padEnd(22, '_'));
const codeHashes = ['k1', 'k2', 'k3'].map((name) => name.padEnd(22, '-'));
const prizeNames = ['bike', 'mug', 'car'];
const campaignIds = ['spring', 'summer', 'autumn', 'ghost'];
/** Zones whose midnights fall at different hours of the simulated clock, which starts at 08:00 UTC. */
const timeZones = ['America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Kolkata', 'UTC'];
/** More phones than a campaign takes (`participantsPerRaffleMax`), few enough to draw again. */
const phones = Array.from({ length: 8 }, (_, i) => `+6591234${String(i).padStart(3, '0')}`);
const campaignPrizes = ['gold', 'silver', 'bronze'];
const probabilities = [0.1, 0.2, 0.25, 0.3, 0.4, 0.45];
const hourMs = 3_600_000;

/**
 * The edge's keys, fixed: pseudonyms and coupon tags are the API's own keyed hashes
 * (`phone-pseudonym.ts`, `coupon-seal.ts`), so the kind sees exactly the shapes the API gives it.
 */
const keys: SecretKeys = {
  derive: (purpose) => createHash('sha256').update(`simulation key: ${purpose}`).digest(),
};

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

/** A campaign command or read, with the fields the API layer gives the kind. */
export type CampaignSubmission =
  | ({ kind: 'campaign'; type: 'createCampaign' } & CampaignFields)
  | {
      kind: 'campaign';
      type: 'draw';
      campaignId: string;
      phone: string;
      coupon: { tag: string; seal: string };
    }
  | { kind: 'campaign'; type: 'redeem'; campaignId: string; couponTag: string }
  | { kind: 'campaign'; type: 'getCampaign'; campaignId: string; nowMs: number; read: true }
  | { kind: 'campaign'; type: 'phoneDraws'; campaignId: string; phone: string; read: true }
  | {
      kind: 'campaign';
      type: 'listCampaigns';
      beforeOrdinal: number;
      limit: number;
      nowMs: number;
      read: true;
    };

export type Submission = LedgerMutation | LedgerQuery | PrizeSubmission | CampaignSubmission;

export const isPrize = (submission: Submission): submission is PrizeSubmission =>
  'kind' in submission && submission.kind === 'prize';

export const isCampaign = (submission: Submission): submission is CampaignSubmission =>
  'kind' in submission && submission.kind === 'campaign';

export const isRead = (submission: Submission): boolean =>
  'read' in submission || submission.type === 'getRaffle' || submission.type === 'getParticipant';

/** What the workload asks of the models: which raffles and campaigns exist, which coupons were won. */
export interface WorkloadView {
  prizeRaffleExists(id: string): boolean;
  campaignIds(): string[];
  wonCouponTags(campaignId: string): string[];
}

/** Sends one submission to the engine, as the API layer would. */
export function submit(engine: Engine, submission: Submission): Promise<Outcome<unknown>> {
  if (isCampaign(submission)) {
    if (submission.type === 'getCampaign') {
      const { campaignId, nowMs } = submission;
      return engine.query(campaignKind.queries.getCampaign, { campaignId, nowMs });
    }
    if (submission.type === 'listCampaigns') {
      const { beforeOrdinal, limit, nowMs } = submission;
      return engine.query(campaignKind.queries.listCampaigns, { beforeOrdinal, limit, nowMs });
    }
    if (submission.type === 'phoneDraws') {
      const { campaignId, phone } = submission;
      return engine.query(campaignKind.queries.phoneDraws, { campaignId, phone });
    }
    return engine.submitCommand(submission);
  }
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
    private readonly models: WorkloadView,
    private readonly clock: () => number,
  ) {}

  private int(min: number, max: number): number {
    return randomInt(this.random, min, max);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  next(): Submission {
    const share = this.random();
    if (share < 0.2) return this.prizeSubmission();
    if (share < 0.4) return this.campaignSubmission();
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
    const existing = prizeIds.filter((id) => this.models.prizeRaffleExists(id));
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

  /**
   * Campaign commands and reads: creations with small quotas and windows around the clock (some
   * not started, some soon over, some refused), draws from a small pool of phones, redemptions
   * of won coupons and of unknown ones, and reads of a campaign's figures, of a page of the
   * listing and of a phone's draws.
   */
  private campaignSubmission(): CampaignSubmission {
    const roll = this.random();
    const existing = this.models.campaignIds();
    // Half the time the oldest campaign, as ledger commands favour the default raffle, so one
    // campaign meets many phones (up to its limit), repeat draws and spent quotas.
    const aim = this.random();
    const campaignId =
      existing.length === 0 || aim >= 0.9
        ? this.pick(campaignIds)
        : aim < 0.5
          ? (existing[0] as string)
          : this.pick(existing);
    // Mostly three regular phones, which draw again (the same day or a later one), else any.
    const pseudonym = () =>
      phonePseudonymOf(
        keys,
        campaignId,
        this.pick(this.random() < 0.5 ? phones.slice(0, 3) : phones),
      );
    if (roll < (existing.length === 0 ? 0.5 : 0.1)) return this.campaignCreation();
    if (roll < 0.62) {
      // The edge's candidate coupon: a code from the seeded source, filed under its keyed tag;
      // the seal is opaque to the kind, so a readable stand-in does (no key opens it here).
      const code = couponCodeFrom({ nextByte: () => this.int(0, 255) });
      const coupon = { tag: couponTagOf(keys, campaignId, code), seal: `sealed:${code}` };
      return { kind: 'campaign', type: 'draw', campaignId, phone: pseudonym(), coupon };
    }
    if (roll < 0.8) {
      // Mostly a coupon won somewhere (perhaps redeemed already), else a code never issued.
      const won = existing.flatMap((id) =>
        this.models.wonCouponTags(id).map((couponTag) => ({ id, couponTag })),
      );
      if (won.length > 0 && this.random() < 0.8) {
        const coupon = this.pick(won);
        return {
          kind: 'campaign',
          type: 'redeem',
          campaignId: coupon.id,
          couponTag: coupon.couponTag,
        };
      }
      const code = couponCodeFrom({ nextByte: () => this.int(0, 255) });
      return {
        kind: 'campaign',
        type: 'redeem',
        campaignId,
        couponTag: couponTagOf(keys, campaignId, code),
      };
    }
    if (roll < 0.86) {
      return { kind: 'campaign', type: 'getCampaign', campaignId, nowMs: this.clock(), read: true };
    }
    if (roll < 0.92) {
      // A page of the listing, newest first; a cursor past the last campaign is refused.
      const [beforeOrdinal, limit] = [this.int(0, 3), this.int(1, 3)];
      const nowMs = this.clock();
      return { kind: 'campaign', type: 'listCampaigns', beforeOrdinal, limit, nowMs, read: true };
    }
    return { kind: 'campaign', type: 'phoneDraws', campaignId, phone: pseudonym(), read: true };
  }

  private campaignCreation(): CampaignSubmission {
    const now = this.clock();
    const startsAtMs = now + this.int(-3 * hourMs, hourMs / 2);
    // Mostly a day or two; sometimes under an hour, so it ends while drawn; rarely backwards.
    const shape = this.random();
    const lengthMs =
      shape < 0.05
        ? -this.int(0, hourMs)
        : shape < 0.2
          ? hourMs / 2
          : this.int(20 * hourMs, 60 * hourMs);
    const prizes = campaignPrizes.slice(0, this.int(1, 3)).map((id) => ({
      id,
      name: id.toUpperCase(),
      probability: this.pick(probabilities),
      quotaTotal: this.int(0, 5),
      quotaDaily: this.random() < 0.3 ? undefined : this.int(1, 3),
    }));
    return {
      kind: 'campaign',
      type: 'createCampaign',
      id: this.random() < 0.3 ? undefined : this.pick(campaignIds.slice(0, 3)),
      name: 'C',
      startsAtMs,
      endsAtMs: startsAtMs + lengthMs,
      timeZone: this.pick(timeZones),
      prizes,
    };
  }
}
