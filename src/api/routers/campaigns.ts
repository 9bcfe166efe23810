/**
 * Instant-win campaigns (kind `campaign`) as resources: operators create campaigns, read a
 * phone's draws and redeem coupons; anyone lists and reads campaigns and draws with a phone.
 *
 * The edge turns text into what the kind takes: instants into milliseconds, the zone into its
 * canonical name, the phone into E.164 (400 `invalid_phone` otherwise), a draw into a draw with
 * a prepared coupon (a fresh code, as a tag and a seal: `coupon-seal.ts`), a typed coupon code
 * into its tag. Answers carry seals, opened here: coupon codes leave only in the draw's own answer
 * and in operator answers, and never reach the kind, the journal or a snapshot. Reads pass the
 * edge's clock as `nowMs`, which only says which day "today" is in the answer.
 */
import { campaignKind } from '../../kinds/campaign/kind.js';
import { canonicalTimeZone } from '../../kinds/campaign/calendar-day.js';
import type {
  CampaignView,
  DrawResult,
  PhoneHistory,
  Redemption,
} from '../../kinds/campaign/campaign.js';
import { refuse } from '../../domain/reasons.js';
import { campaignPageSchema, campaignSchemas as s } from '../campaign-schemas.js';
import { refusalError, unwrap } from '../errors.js';
import { cursorAfter, positionAfter } from '../paging.js';
import { couponTagOf, keysOf, newSealedCoupon, openSeal } from '../coupon-seal.js';
import { e164Of, queryPhone } from '../phone-number.js';
import type { SecretKeys } from '../secret-keys.js';
import { idempotencyKeyOf, operatorProcedure, publicProcedure, router } from '../trpc.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function campaignView(view: CampaignView) {
  return {
    id: view.id,
    name: view.name,
    startsAt: iso(view.startsAtMs),
    endsAt: iso(view.endsAtMs),
    timeZone: view.timeZone,
    createdAt: iso(view.createdAtMs),
    status: view.status,
    day: view.day,
    drawCount: view.drawCount,
    phoneCount: view.phoneCount,
    prizes: view.prizes,
  };
}

function drawView(keys: SecretKeys, result: DrawResult) {
  const { atMs, coupon, ...rest } = result;
  return {
    ...rest,
    at: iso(atMs),
    coupon: coupon === null ? null : { code: openSeal(keys, result.campaignId, coupon.seal) },
  };
}

function historyView(keys: SecretKeys, history: PhoneHistory) {
  return {
    ...history,
    draws: history.draws.map(({ atMs, coupon, ...draw }) => ({
      ...draw,
      at: iso(atMs),
      coupon:
        coupon === null
          ? null
          : {
              code: openSeal(keys, history.campaignId, coupon.seal),
              redeemedAt: coupon.redeemedAtMs === null ? null : iso(coupon.redeemedAtMs),
            },
    })),
  };
}

function redemptionView(keys: SecretKeys, redemption: Redemption) {
  const { wonAtMs, redeemedAtMs, seal, ...rest } = redemption;
  return {
    code: openSeal(keys, redemption.campaignId, seal),
    ...rest,
    wonAt: iso(wonAtMs),
    redeemedAt: iso(redeemedAtMs),
  };
}

function phoneOrRefuse(input: string): string {
  const phone = e164Of(input);
  if (phone === undefined) {
    throw refusalError(
      refuse(
        'invalid_phone',
        'The phone number is not a valid international number; write it with its country code, such as +6591234567.',
      ),
    );
  }
  return phone;
}

function invalidInput(message: string): never {
  throw refusalError(refuse('invalid_input', message));
}

export function campaignsRouter() {
  return router({
    create: operatorProcedure
      .meta({
        refuses: ['probabilities_exceed_one', 'campaign_id_taken', 'raffle_limit_reached'],
        openapi: {
          method: 'POST',
          path: '/campaigns',
          tags: ['campaigns'],
          summary: 'Create a campaign (operators)',
          description:
            'Creates an instant-win campaign: a window, a time zone whose calendar days count the once-a-day rule and the daily quotas, and prize categories each with a probability, a total quota and a daily quota. Without `id` the service picks one (`c-` and ten characters); prizes without `id` get a slug of their name.',
          successDescription: 'Created (201).',
        },
      })
      .input(s.createInput)
      .output(s.campaign)
      .mutation(async ({ ctx, input }) => {
        const timeZone = canonicalTimeZone(input.timeZone);
        if (timeZone === undefined)
          invalidInput(`'${input.timeZone}' is not an IANA time zone this service knows.`);
        const outcome = await ctx.engine.submit(campaignKind.commands.createCampaign, {
          idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
          id: input.id,
          name: input.name,
          startsAtMs: Date.parse(input.startsAt),
          endsAtMs: Date.parse(input.endsAt),
          timeZone,
          prizes: input.prizes.map((prize) => ({
            id: prize.id,
            name: prize.name,
            probability: prize.probability,
            quotaTotal: prize.quotaTotal,
            quotaDaily: prize.quotaDaily,
          })),
        });
        return campaignView(unwrap(outcome));
      }),

    list: publicProcedure
      .meta({
        refuses: ['invalid_cursor'],
        openapi: {
          method: 'GET',
          path: '/campaigns',
          tags: ['campaigns'],
          summary: 'List campaigns',
          description: 'Campaigns, newest first, one page at a time.',
        },
      })
      .input(s.listInput)
      .output(campaignPageSchema)
      .query(async ({ ctx, input }) => {
        const page = unwrap(
          await ctx.engine.query(campaignKind.queries.listCampaigns, {
            beforeOrdinal: positionAfter(input.cursor, 'campaigns', ''),
            limit: input.limit,
            nowMs: Date.now(),
          }),
        );
        return {
          campaigns: page.campaigns.map(campaignView),
          nextCursor: cursorAfter(page.nextBeforeOrdinal, 'campaigns', ''),
        };
      }),

    get: publicProcedure
      .meta({
        refuses: ['campaign_not_found'],
        openapi: {
          method: 'GET',
          path: '/campaigns/{campaignId}',
          tags: ['campaigns'],
          summary: 'One campaign and its counters',
          description:
            'The campaign, today’s date in its zone (`day`) and, per prize, wins in total and today and what remains: `remainingToday = min(quotaDaily − wonToday, remainingTotal)`.',
        },
      })
      .input(s.ref)
      .output(s.campaign)
      .query(async ({ ctx, input }) => {
        const outcome = await ctx.engine.query(campaignKind.queries.getCampaign, {
          campaignId: input.campaignId,
          nowMs: Date.now(),
        });
        return campaignView(unwrap(outcome));
      }),

    draw: publicProcedure
      .meta({
        refuses: [
          'invalid_phone',
          'campaign_not_found',
          'campaign_not_active',
          'already_drawn_today',
          'participant_limit_reached',
        ],
        openapi: {
          method: 'POST',
          path: '/campaigns/{campaignId}/draws',
          tags: ['campaigns'],
          summary: 'Draw with a phone number',
          description:
            'One draw per phone per campaign per calendar day in the campaign zone. Wins a prize with its probability while the prize has quota left today and in total; otherwise the draw wins nothing. A win’s coupon code appears in this answer only (and to operators).',
          successDescription: 'Created (201).',
        },
      })
      .input(s.drawInput)
      .output(s.draw)
      .mutation(async ({ ctx, input }) => {
        const phone = phoneOrRefuse(input.phone);
        const keys = keysOf(ctx);
        const outcome = await ctx.engine.submit(campaignKind.commands.draw, {
          idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
          campaignId: input.campaignId,
          phone,
          coupon: newSealedCoupon(keys, input.campaignId),
        });
        return drawView(keys, unwrap(outcome));
      }),

    phoneDraws: operatorProcedure
      .meta({
        refuses: ['invalid_phone', 'campaign_not_found'],
        openapi: {
          method: 'GET',
          path: '/campaigns/{campaignId}/draws',
          tags: ['campaigns'],
          summary: 'A phone’s draws, with coupon codes (operators)',
          description:
            'The phone’s latest draws (up to 32, newest first) and every coupon it won before them, with codes and redemption times; `drawCount` counts every draw.',
        },
      })
      .input(s.phoneDrawsInput)
      .output(s.phoneDraws)
      .query(async ({ ctx, input }) => {
        const phone = phoneOrRefuse(queryPhone(input.phone));
        const outcome = await ctx.engine.query(campaignKind.queries.phoneDraws, {
          campaignId: input.campaignId,
          phone,
        });
        return historyView(keysOf(ctx), unwrap(outcome));
      }),

    redeem: operatorProcedure
      .meta({
        refuses: ['campaign_not_found', 'coupon_not_found', 'coupon_already_redeemed'],
        openapi: {
          method: 'POST',
          path: '/campaigns/{campaignId}/redemptions',
          tags: ['campaigns'],
          summary: 'Redeem a coupon (operators)',
          description:
            'Marks a coupon as used. A coupon is redeemed once; a second time is refused.',
        },
      })
      .input(s.redeemInput)
      .output(s.redemption)
      .mutation(async ({ ctx, input }) => {
        const keys = keysOf(ctx);
        const outcome = await ctx.engine.submit(campaignKind.commands.redeem, {
          idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
          campaignId: input.campaignId,
          couponTag: couponTagOf(keys, input.campaignId, input.couponCode),
        });
        return redemptionView(keys, unwrap(outcome));
      }),
  });
}
