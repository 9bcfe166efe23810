/**
 * The operations of the campaign kind as histories record them (kind `campaign`, `raffle` the
 * campaign's id): their inputs, the outputs the checkers read, and the refusals that say something
 * about the state. A phone is written as a short name (`p17`); a coupon code, a secret, only as
 * the first 16 hex digits of its SHA-256 (`couponHash`), enough to tell coupons apart and to link
 * a redemption to the draw that won it. The recorder keeps the codes themselves in memory.
 *
 * | f | input | ok output | refusals that tell something |
 * | --- | --- | --- | --- |
 * | `create` (operator) | `prizes` (how many) | `prizes`: `id`, `quotaTotal`, `quotaDaily` | |
 * | `draw` | `phone` | `drawId`, `day`, `won`, `prize` (`{ id }` or null), `couponHash` (or null) | `already_drawn_today` |
 * | `get` | | `day`, `drawCount`, `phoneCount`, `prizes`: `id`, `quotaTotal`, `quotaDaily`, `wonTotal`, `wonToday` | |
 * | `phoneDraws` (operator) | `phone` | `drawCount` | |
 * | `redeem` (operator) | `couponHash` | `drawId`, `prize` (`{ id }`) | `coupon_not_found`, `coupon_already_redeemed` |
 */
import { createHash } from 'node:crypto';
import { object, wholeNumber } from './recorded-call.js';

export const campaignOperationNames = ['create', 'draw', 'get', 'phoneDraws', 'redeem'] as const;
export type CampaignOperationName = (typeof campaignOperationNames)[number];

export const informativeCampaignRefusals: Readonly<Record<string, readonly string[]>> = {
  draw: ['already_drawn_today'],
  redeem: ['coupon_not_found', 'coupon_already_redeemed'],
};

export function isInformativeCampaignRefusal(f: string, reason: unknown): boolean {
  return typeof reason === 'string' && (informativeCampaignRefusals[f]?.includes(reason) ?? false);
}

/** The coupon as a history names it: never the code itself. */
export function couponHashOf(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex').slice(0, 16);
}

function prizeRef(value: unknown): { id: string } | null {
  if (value === null) return null;
  const id = object(value).id;
  if (typeof id !== 'string') throw new Error('no prize id');
  return { id };
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error('not text');
  return value;
}

/** Condenses a successful answer to the history's output; throws when it lacks a field. */
export function condenseCampaignOutput(
  f: CampaignOperationName,
  answer: unknown,
): Record<string, unknown> {
  const value = object(answer);
  const prizes = (withCounts: boolean) => {
    if (!Array.isArray(value.prizes)) throw new Error('no prizes');
    return value.prizes.map((entry) => {
      const prize = object(entry);
      return {
        id: text(prize.id),
        quotaTotal: wholeNumber(prize.quotaTotal),
        quotaDaily: wholeNumber(prize.quotaDaily),
        ...(withCounts
          ? { wonTotal: wholeNumber(prize.wonTotal), wonToday: wholeNumber(prize.wonToday) }
          : {}),
      };
    });
  };
  switch (f) {
    case 'create':
      return { prizes: prizes(false) };
    case 'draw': {
      if (typeof value.won !== 'boolean') throw new Error('no verdict');
      const coupon = value.coupon === null ? null : text(object(value.coupon).code);
      return {
        drawId: wholeNumber(value.drawId),
        day: text(value.day),
        won: value.won,
        prize: prizeRef(value.prize),
        couponHash: coupon === null ? null : couponHashOf(coupon),
      };
    }
    case 'get':
      return {
        day: text(value.day),
        drawCount: wholeNumber(value.drawCount),
        phoneCount: wholeNumber(value.phoneCount),
        prizes: prizes(true),
      };
    case 'phoneDraws':
      return { drawCount: wholeNumber(value.drawCount) };
    case 'redeem':
      return { drawId: wholeNumber(value.drawId), prize: prizeRef(value.prize) };
  }
}
