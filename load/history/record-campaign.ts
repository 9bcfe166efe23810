/**
 * Records a campaign history against a running service (the shared part is recording.ts): fresh
 * campaigns, open for the whole run, whose creation is the history's first operations; then
 * clients that draw with phones, read the campaign's counters and, as the operator, read a
 * phone's draws and redeem the coupons they won.
 *
 * Each campaign has a pool of phones, and a draw takes one at random, so many phones draw twice on
 * one day (sometimes at once, from two clients) and must be refused. Its prizes are set so that
 * one runs out of its total quota and another of its daily quota during a run: the quotas are
 * then exercised, not just declared. A client keeps the coupon codes it won in memory to redeem
 * them, some twice (the second must be refused); the history holds only their hashes. Operator
 * requests come from 127.0.0.1, an operator address by default.
 */
import type { CampaignOperation } from '../runner/surfaces.js';
import {
  condenseCampaignOutput,
  couponHashOf,
  type CampaignOperationName,
} from './campaign-operations.js';
import { pickWeighted, randomInt, seededRandom } from './random.js';

import {
  createRecordedRaffles,
  kindCaller,
  recordKindHistory,
  type RecordingOptions,
  type RecordingResult,
} from './recording.js';

export interface CampaignWorkloadOptions {
  /**
   * Phones per campaign.
   * @default 3000
   */
  phones?: number;
  /** Relative weight of each operation (`create` is not one: campaigns are created first). */
  mix?: Partial<Record<Exclude<CampaignOperationName, 'create'>, number>>;
}

export interface RecordCampaignOptions extends RecordingOptions {
  workload?: CampaignWorkloadOptions;
}

export const defaultCampaignMix: Record<Exclude<CampaignOperationName, 'create'>, number> = {
  draw: 45,
  get: 25,
  phoneDraws: 12,
  redeem: 18,
};

/** A prize that runs out in total, one that runs out each day, and one that rarely runs out. */
export const historyCampaignPrizes = [
  { id: 'gold', name: 'Gold coupon', probability: 0.1, quotaTotal: 40, quotaDaily: 1000 },
  { id: 'silver', name: 'Silver coupon', probability: 0.15, quotaTotal: 100_000, quotaDaily: 80 },
  { id: 'bronze', name: 'Bronze coupon', probability: 0.3, quotaTotal: 100_000 },
];

const routeOf: Record<CampaignOperationName, CampaignOperation> = {
  create: 'campaignCreate',
  draw: 'campaignDraw',
  get: 'campaignGet',
  phoneDraws: 'campaignPhoneDraws',
  redeem: 'campaignRedeem',
};

/** Phone `index` of a pool: a Singapore mobile number. */
export function phoneOf(index: number): string {
  return `+659${String(index).padStart(7, '0')}`;
}

interface Coupon {
  campaign: string;
  code: string;
  redeemed: boolean;
}

export function recordCampaignHistory(options: RecordCampaignOptions): Promise<RecordingResult> {
  const phones = options.workload?.phones ?? 3000;
  const mix = { ...defaultCampaignMix, ...options.workload?.mix };
  return recordKindHistory(options, async (context) => {
    const { seed } = context;
    const call = kindCaller(context, {
      kind: 'campaign',
      routeOf,
      raffleField: 'campaignId',
      condense: condenseCampaignOutput,
    });
    const now = Date.now();
    const campaigns = await createRecordedRaffles(
      call,
      seed,
      { count: options.raffles ?? 2, prefix: 'ch', noun: 'a campaign' },
      (id, i) => ({
        input: { prizes: historyCampaignPrizes.length },
        wire: {
          id,
          name: `history ${seed} #${i}`,
          startsAt: new Date(now - 3_600_000).toISOString(),
          endsAt: new Date(now + 7 * 86_400_000).toISOString(),
          timeZone: 'UTC',
          prizes: historyCampaignPrizes,
        },
      }),
    );
    return {
      raffles: campaigns,
      client(client, surface, clientSeed) {
        const random = seededRandom(clientSeed);
        /** The coupons this client won: codes in memory only. */
        const coupons: Coupon[] = [];
        return async () => {
          let campaign = campaigns[randomInt(random, 0, campaigns.length - 1)] as string;
          let f = pickWeighted(random, mix);
          if (f === 'redeem' && coupons.length === 0) f = 'draw';
          if (f === 'redeem') {
            // Mostly a coupon not yet redeemed; sometimes one again, which must be refused.
            const fresh = coupons.filter((coupon) => !coupon.redeemed);
            const pool = fresh.length > 0 && random() < 0.85 ? fresh : coupons;
            const coupon = pool[randomInt(random, 0, pool.length - 1)] as Coupon;
            campaign = coupon.campaign;
            const outcome = await call(
              client,
              surface,
              campaign,
              'redeem',
              { couponHash: couponHashOf(coupon.code) },
              { couponCode: coupon.code },
            );
            if (outcome.type === 'ok') coupon.redeemed = true;
            return { f, outcome };
          }
          if (f === 'draw' || f === 'phoneDraws') {
            const index = randomInt(random, 0, phones - 1);
            const outcome = await call(
              client,
              surface,
              campaign,
              f,
              { phone: `p${index}` },
              { phone: phoneOf(index) },
            );
            const code = (outcome.answer as { coupon?: { code?: unknown } | null } | undefined)
              ?.coupon?.code;
            if (f === 'draw' && outcome.type === 'ok' && typeof code === 'string') {
              coupons.push({ campaign, code, redeemed: false });
            }
            return { f, outcome };
          }
          return { f, outcome: await call(client, surface, campaign, f, {}, {}) };
        };
      },
    };
  });
}
