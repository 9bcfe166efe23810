/**
 * What a campaign is made of, as the create command gives it, and the business checks it must
 * pass before it exists: a window inside the supported range, a zone the runtime knows, prizes
 * with unique slug ids (generated from their names when absent), quotas in range, and
 * probabilities each in (0, 1] whose exact decimal sum is at most 1.
 *
 * The edge checks the shapes with zod; these checks run again in `apply` because commands also
 * come back from the journal, and because the rules belong to the kind, not to HTTP.
 */
import {
  campaignCouponsMax,
  campaignInstantMaxMs,
  campaignInstantMinMs,
  campaignPrizesMax,
  campaignQuotaMax,
  prizeIdLengthMax,
} from '../../config/limits.js';
import { refuse, type Refusal } from '../../domain/reasons.js';
import { canonicalTimeZone } from './calendar-day.js';
import { prizeOddsOf, type PrizeOdds } from './prize-odds.js';

export interface PrizeFields {
  id?: string | undefined;
  name: string;
  probability: number;
  quotaTotal: number;
  /** @default quotaTotal */
  quotaDaily?: number | undefined;
}

export interface PrizeDefinition {
  id: string;
  name: string;
  probability: number;
  quotaTotal: number;
  quotaDaily: number;
}

export interface CampaignDefinition {
  id: string;
  name: string;
  startsAtMs: number;
  endsAtMs: number;
  /** An IANA zone the runtime knows, as the edge canonicalised it. */
  timeZone: string;
  prizes: PrizeDefinition[];
  createdAtMs: number;
}

export const slugPattern = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** A slug made of a prize's name (`$5 Cash Coupon` → `5-cash-coupon`); empty when nothing is left. */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, prizeIdLengthMax - 4)
    .replace(/^-+|-+$/g, '');
}

/**
 * Ids for every prize: the given ones as they are, the missing ones made from the name (or
 * `prize-N`), with `-2`, `-3`… added while taken. Undefined when two given ids collide.
 */
export function prizeIdsOf(prizes: readonly PrizeFields[]): string[] | undefined {
  const taken = new Set<string>();
  for (const prize of prizes) {
    if (prize.id === undefined) continue;
    if (taken.has(prize.id)) return undefined;
    taken.add(prize.id);
  }
  return prizes.map((prize, index) => {
    if (prize.id !== undefined) return prize.id;
    const base = slugOf(prize.name) || `prize-${index + 1}`;
    let id = base;
    for (let suffix = 2; taken.has(id); suffix += 1) id = `${base}-${suffix}`;
    taken.add(id);
    return id;
  });
}

function invalid(message: string): Refusal {
  return refuse('invalid_input', message);
}

/** The definition's prizes with ids and daily quotas filled in, and their odds; or a refusal. */
export function checkedPrizes(
  prizes: readonly PrizeFields[],
): { ok: true; prizes: PrizeDefinition[]; odds: PrizeOdds } | Refusal {
  if (prizes.length < 1 || prizes.length > campaignPrizesMax) {
    return invalid(`A campaign has 1 to ${campaignPrizesMax} prizes.`);
  }
  const ids = prizeIdsOf(prizes);
  if (ids === undefined) return invalid('Two prizes have the same id.');
  let couponsMax = 0;
  const checked: PrizeDefinition[] = [];
  for (let index = 0; index < prizes.length; index += 1) {
    const prize = prizes[index] as PrizeFields;
    const id = ids[index] as string;
    const quotaDaily = prize.quotaDaily ?? prize.quotaTotal;
    if (!slugPattern.test(id) || id.length > prizeIdLengthMax) {
      return invalid(`Prize id '${id}' is not a slug of at most ${prizeIdLengthMax} characters.`);
    }
    if (!(prize.probability > 0 && prize.probability <= 1)) {
      return invalid(`The probability of prize '${id}' must be above 0 and at most 1.`);
    }
    for (const [label, quota] of [
      ['quotaTotal', prize.quotaTotal],
      ['quotaDaily', quotaDaily],
    ] as const) {
      if (!Number.isSafeInteger(quota) || quota < 0 || quota > campaignQuotaMax) {
        return invalid(
          `The ${label} of prize '${id}' must be a whole number from 0 to ${campaignQuotaMax}.`,
        );
      }
    }
    couponsMax += prize.quotaTotal;
    checked.push({
      id,
      name: prize.name,
      probability: prize.probability,
      quotaTotal: prize.quotaTotal,
      quotaDaily,
    });
  }
  if (couponsMax > campaignCouponsMax) {
    return invalid(`The total quotas of a campaign add up to at most ${campaignCouponsMax}.`);
  }
  const odds = prizeOddsOf(checked.map((prize) => prize.probability));
  if (!odds.ok) {
    return odds.problem.kind === 'sum_exceeds_one'
      ? refuse(
          'probabilities_exceed_one',
          `The prize probabilities add up to ${odds.problem.sum}, more than 1.`,
        )
      : invalid(
          `The probability of prize '${ids[odds.problem.index] as string}' needs too many decimals.`,
        );
  }
  return { ok: true, prizes: checked, odds: odds.odds };
}

/** Checks the window and the zone. */
export function checkWindow(
  startsAtMs: number,
  endsAtMs: number,
  timeZone: string,
): Refusal | undefined {
  for (const instant of [startsAtMs, endsAtMs]) {
    if (
      !Number.isSafeInteger(instant) ||
      instant < campaignInstantMinMs ||
      instant > campaignInstantMaxMs
    ) {
      return invalid('A campaign window lies between 1972-01-01 and 9999-12-31 (UTC).');
    }
  }
  if (endsAtMs <= startsAtMs)
    return invalid('A campaign ends after it starts (endsAt > startsAt).');
  if (canonicalTimeZone(timeZone) === undefined) {
    return invalid(`'${timeZone}' is not an IANA time zone this service knows.`);
  }
  return undefined;
}
