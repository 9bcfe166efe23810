/**
 * Kind `campaign`: instant-win lucky draws. Customers draw once a day per campaign with their
 * phone number and may win a coupon from prize categories that each have a probability, a total
 * quota and a daily quota; operators read a phone's draws and redeem coupons.
 *
 * Each command is declared once here with its fields' schema, whether it needs stamped random
 * bytes and the content idempotency compares, beside the handler; the business rules live in
 * `campaign.ts` and `campaign-definition.ts`. The state is every campaign by id plus the creation
 * order, which the listing pages through newest first. Queries take the caller's clock as a field
 * (`nowMs`) since a read has no stamp: it only says which day "today" is in the answer.
 */
import { z } from 'zod';
import { campaignDrawsKeptPerPhone, pageLimitMax } from '../../config/limits.js';
import { refuse } from '../../domain/reasons.js';
import { ok, type Outcome } from '../../engine/commands.js';
import { defineKind, withRandomness } from '../../engine/kind.js';
import { Campaign, type CampaignView, type DrawResult } from './campaign.js';
import { checkedPrizes, checkWindow, slugPattern } from './campaign-definition.js';
import { campaignDigest, campaignSnapshot } from './campaign-snapshot.js';

/** The kind's state: campaigns by id, and the same campaigns in creation order. */
export interface Campaigns {
  readonly byId: Map<string, Campaign>;
  readonly order: Campaign[];
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`campaign kind assertion failed: ${message}`);
}

const generatedIdAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A campaign id derived from the seed: `c-` and ten characters, about 51 bits of randomness. */
export function generatedCampaignId(seed: Uint8Array): string {
  let id = 'c-';
  for (let i = 0; i < 10; i += 1) {
    id += generatedIdAlphabet[(seed[i] as number) % generatedIdAlphabet.length];
  }
  return id;
}

function campaignNotFound(campaignId: string): Outcome<never> {
  return refuse('campaign_not_found', `No campaign has id '${campaignId}'.`);
}

function withCampaign<T>(
  state: Campaigns,
  campaignId: string,
  then: (campaign: Campaign) => Outcome<T>,
): Outcome<T> {
  const campaign = state.byId.get(campaignId);
  return campaign === undefined ? campaignNotFound(campaignId) : then(campaign);
}

const prizeFields = z.object({
  id: z.string().optional(),
  name: z.string(),
  probability: z.number(),
  quotaTotal: z.number(),
  quotaDaily: z.number().optional(),
});
const createFields = z.object({
  id: z.string().optional(),
  name: z.string(),
  startsAtMs: z.number(),
  endsAtMs: z.number(),
  timeZone: z.string(),
  prizes: z.array(prizeFields),
});
const drawFields = z.object({
  campaignId: z.string(),
  phone: z.string(),
  /** The coupon the draw files if it wins, prepared by the edge (tag and sealed code). */
  coupon: z.object({ tag: z.string(), seal: z.string() }),
  /** A public beacon value, mixed into the draw's random bytes by the engine. */
  beacon: z.string().optional(),
});
const redeemFields = z.object({ campaignId: z.string(), couponTag: z.string() });

type CreateFields = z.infer<typeof createFields>;

export const campaignKind = defineKind({
  name: 'campaign',
  create: (): Campaigns => ({ byId: new Map(), order: [] }),
  commands: {
    createCampaign: {
      needsSeed: true,
      schema: createFields,
      content: (f: CreateFields) => [
        f.id ?? null,
        f.name,
        f.startsAtMs,
        f.endsAtMs,
        f.timeZone,
        f.prizes.map((p) => [
          p.id ?? null,
          p.name,
          p.probability,
          p.quotaTotal,
          p.quotaDaily ?? null,
        ]),
      ],
      apply(state: Campaigns, f: CreateFields, stamp): Outcome<CampaignView> {
        assert(stamp.seed !== undefined, 'a campaign creation carries a seed');
        const id = f.id ?? generatedCampaignId(stamp.seed);
        if (!slugPattern.test(id))
          return refuse('invalid_input', `Campaign id '${id}' is not a slug.`);
        const window = checkWindow(f.startsAtMs, f.endsAtMs, f.timeZone);
        if (window !== undefined) return window;
        const prizes = checkedPrizes(f.prizes);
        if (!prizes.ok) return prizes;
        if (state.byId.has(id))
          return refuse('campaign_id_taken', `A campaign with id '${id}' already exists.`);
        if (state.order.length >= stamp.limits.rafflesMax) {
          return refuse(
            'raffle_limit_reached',
            `The service already holds ${stamp.limits.rafflesMax} campaigns.`,
          );
        }
        const campaign = new Campaign(
          {
            id,
            name: f.name,
            startsAtMs: f.startsAtMs,
            endsAtMs: f.endsAtMs,
            timeZone: f.timeZone,
            prizes: prizes.prizes,
            createdAtMs: stamp.atMs,
          },
          state.order.length + 1,
          prizes.odds,
          campaignDrawsKeptPerPhone,
        );
        state.byId.set(id, campaign);
        state.order.push(campaign);
        return ok(campaign.view(stamp.atMs));
      },
    },
    draw: {
      needsSeed: true,
      schema: drawFields,
      // The prepared coupon is not part of the request: a retry comes with another one.
      content: (f: z.infer<typeof drawFields>) => [f.campaignId, f.phone],
      apply: (state: Campaigns, f: z.infer<typeof drawFields>, stamp) =>
        withCampaign(state, f.campaignId, (campaign) => {
          assert(stamp.seed !== undefined, 'a draw carries a seed');
          return withRandomness(
            campaign.draw(
              f.phone,
              stamp.atMs,
              stamp.seed,
              stamp.limits.participantsPerRaffleMax,
              f.coupon,
            ),
            stamp,
          );
        }),
      /** The audit export shows whether a draw won and what, never the coupon's seal or tag. */
      publicOutcome: (value: DrawResult) => ({
        ...value,
        coupon: value.coupon === null ? null : 'sealed',
      }),
    },
    redeem: {
      needsSeed: false,
      schema: redeemFields,
      content: (f: z.infer<typeof redeemFields>) => [f.campaignId, f.couponTag],
      apply: (state: Campaigns, f: z.infer<typeof redeemFields>, stamp) =>
        withCampaign(state, f.campaignId, (campaign) => campaign.redeem(f.couponTag, stamp.atMs)),
    },
  },
  queries: {
    listCampaigns: {
      /** Newest first: campaigns created before `beforeOrdinal` (0: from the newest). */
      run(state: Campaigns, f: { beforeOrdinal: number; limit: number; nowMs: number }) {
        const count = state.order.length;
        if (f.beforeOrdinal > count) {
          return refuse('invalid_cursor', 'The cursor is not one this service issued.');
        }
        const limit = Math.min(Math.max(1, f.limit), pageLimitMax);
        const start = f.beforeOrdinal === 0 ? count : f.beforeOrdinal - 1;
        const campaigns: CampaignView[] = [];
        for (let ordinal = start; ordinal >= 1 && campaigns.length < limit; ordinal -= 1) {
          campaigns.push((state.order[ordinal - 1] as Campaign).view(f.nowMs));
        }
        const last = start - campaigns.length;
        return ok({ campaigns, nextBeforeOrdinal: last >= 1 ? last + 1 : undefined });
      },
    },
    getCampaign: {
      run: (state: Campaigns, f: { campaignId: string; nowMs: number }) =>
        withCampaign(state, f.campaignId, (campaign) => ok(campaign.view(f.nowMs))),
    },
    phoneDraws: {
      run: (state: Campaigns, f: { campaignId: string; phone: string }) =>
        withCampaign(state, f.campaignId, (campaign) => ok(campaign.history(f.phone))),
    },
  },
  invariants(state: Campaigns): void {
    assert(
      state.byId.size === state.order.length,
      'every campaign is filed once by id and once in order',
    );
    state.order.forEach((campaign, index) => {
      assert(campaign.ordinal === index + 1, `campaign '${campaign.id}' sits at its ordinal`);
      assert(
        state.byId.get(campaign.id) === campaign,
        `campaign '${campaign.id}' is filed under its id`,
      );
      campaign.checkInvariants();
    });
  },
  raffleCount: (state: Campaigns) => state.order.length,
  snapshot: campaignSnapshot,
  digest: campaignDigest,
});
