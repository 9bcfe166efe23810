/**
 * One instant-win campaign: its definition, its prize counters, its phones and its coupons, and
 * the three things that change them — a draw, a redemption — or read them.
 *
 * Every decision reads the stamped time and bytes only. The campaign's day is the calendar date in
 * its zone at the stamp (`calendar-day.ts`), and never goes back: should a zone's rules ever set
 * the wall calendar back across midnight (a summer-time end just after midnight, a zone moving
 * west across the date line), the repeated stretch still belongs to the later day, so no phone
 * can draw twice on one date. Daily counters belong to `counterDay`, the
 * day of the latest draw; the first draw of a later day starts them at zero. That is the whole
 * "reset": a comparison inside the single writer, with no job, no race and nothing written at
 * midnight. One uniform number from the stamped bytes picks a prize or nothing; a picked prize
 * with no quota left (today or in total) makes the draw lose, and the other prizes keep their own
 * probabilities. A win files the coupon the edge prepared for the draw (its tag and seal; the
 * kind never sees a code, see `src/api/coupon-seal.ts`).
 */
import { refuse } from '../../domain/reasons.js';
import { SeedByteStream } from '../../domain/random-index.js';
import { ok, type Outcome } from '../../engine/commands.js';
import { dayNumberAt, dayText } from './calendar-day.js';
import type { CampaignDefinition } from './campaign-definition.js';
import { CouponBook } from './coupon-book.js';
import { PhoneDraws, type DrawEntry } from './phone-draws.js';
import { prizeAt, uniformOutcome, type PrizeOdds } from './prize-odds.js';
import type { PrizeView } from './prize-view.js';

export interface PrizeRef {
  id: string;
  name: string;
}

export interface DrawResult {
  drawId: number;
  campaignId: string;
  phone: string;
  day: string;
  atMs: number;
  won: boolean;
  prize: PrizeRef | null;
  /** The coupon won, sealed: the edge opens it for the drawer's answer; nowhere else. */
  coupon: SealedCoupon | null;
}

/** A coupon as the edge prepares it: the tag to file it under and the sealed code. */
export interface SealedCoupon {
  tag: string;
  seal: string;
}

export type { PrizeView } from './prize-view.js';

export interface CampaignView {
  id: string;
  name: string;
  startsAtMs: number;
  endsAtMs: number;
  timeZone: string;
  createdAtMs: number;
  status: 'upcoming' | 'active' | 'ended';
  day: string;
  drawCount: number;
  phoneCount: number;
  prizes: PrizeView[];
}

export interface HistoryDraw {
  drawId: number;
  day: string;
  atMs: number;
  won: boolean;
  prize: PrizeRef | null;
  coupon: { seal: string; redeemedAtMs: number | null } | null;
}

export interface PhoneHistory {
  campaignId: string;
  phone: string;
  drawCount: number;
  draws: HistoryDraw[];
}

export interface Redemption {
  seal: string;
  campaignId: string;
  phone: string;
  drawId: number;
  prize: PrizeRef;
  wonAtMs: number;
  redeemedAtMs: number;
}

/** The counters a snapshot keeps beside the phones and coupons. */
export interface CampaignCounters {
  counterDay: number;
  lastDrawAtMs: number;
  drawCount: number;
  wonTotal: number[];
  wonToday: number[];
}

/** E.164: a plus, a country code not starting with 0, at most 15 digits in all. */
export const e164Pattern = /^\+[1-9][0-9]{1,14}$/;

/** A keyed pseudonym of a phone as the edge makes it (journals written before it hold numbers). */
export const phonePseudonymPattern = /^ph_[A-Za-z0-9_-]{22}$/;

function fail(message: string): never {
  throw new Error(`campaign invariant: ${message}`);
}

export class Campaign {
  private readonly wonTotal: number[];
  private readonly wonToday: number[];
  /** Day number of the latest draw (-1 before the first): the day `wonToday` counts. */
  private counterDay = -1;
  private lastDrawAtMs = 0;
  private drawCount = 0;
  readonly phones: PhoneDraws;
  readonly coupons = new CouponBook();

  constructor(
    readonly definition: CampaignDefinition,
    /** Position in creation order, from 1: the listing's cursor. */
    readonly ordinal: number,
    private readonly odds: PrizeOdds,
    drawsKeptPerPhone: number,
  ) {
    this.wonTotal = definition.prizes.map(() => 0);
    this.wonToday = definition.prizes.map(() => 0);
    this.phones = new PhoneDraws(drawsKeptPerPhone);
  }

  get id(): string {
    return this.definition.id;
  }

  /** The campaign's day at `atMs`, never before the day of its latest draw. */
  private dayAt(atMs: number): number {
    return Math.max(dayNumberAt(this.definition.timeZone, atMs), this.counterDay);
  }

  private prizeRef(index: number): PrizeRef {
    const prize = this.definition.prizes[index];
    if (prize === undefined) return fail(`no prize ${index}`);
    return { id: prize.id, name: prize.name };
  }

  draw(
    phone: string,
    atMs: number,
    seed: Uint8Array,
    phonesMax: number,
    candidate: SealedCoupon,
  ): Outcome<DrawResult> {
    const { definition } = this;
    if (!e164Pattern.test(phone) && !phonePseudonymPattern.test(phone))
      return refuse('invalid_phone', 'The phone is neither in E.164 form nor a pseudonym.');
    if (atMs < definition.startsAtMs) {
      return refuse(
        'campaign_not_active',
        `Campaign '${this.id}' starts at ${new Date(definition.startsAtMs).toISOString()}.`,
      );
    }
    if (atMs >= definition.endsAtMs) {
      return refuse(
        'campaign_not_active',
        `Campaign '${this.id}' ended at ${new Date(definition.endsAtMs).toISOString()}.`,
      );
    }
    const day = this.dayAt(atMs);
    let phoneIndex = this.phones.indexOf(phone);
    if (phoneIndex !== -1 && this.phones.lastDayOf(phoneIndex) === day) {
      return refuse(
        'already_drawn_today',
        `This phone already drew in campaign '${this.id}' on ${dayText(day)}; the next draw opens at midnight (${definition.timeZone}).`,
      );
    }
    if (phoneIndex === -1 && this.phones.size >= phonesMax) {
      return refuse(
        'participant_limit_reached',
        `Campaign '${this.id}' already holds ${phonesMax} phones.`,
      );
    }
    if (day !== this.counterDay) {
      this.counterDay = day;
      this.wonToday.fill(0);
    }
    const picked = prizeAt(this.odds, uniformOutcome(this.odds, new SeedByteStream(seed)));
    // A tag already filed would be two equal 80-bit codes (odds about 2^-80 per pair): such a draw
    // wins nothing rather than hand out a duplicate.
    const prize =
      picked !== -1 && this.hasQuotaLeft(picked) && !this.coupons.has(candidate.tag) ? picked : -1;
    if (phoneIndex === -1) phoneIndex = this.phones.add(phone);
    this.drawCount += 1;
    const drawId = this.drawCount;
    let coupon = -1;
    if (prize !== -1) {
      this.wonTotal[prize] = (this.wonTotal[prize] as number) + 1;
      this.wonToday[prize] = (this.wonToday[prize] as number) + 1;
      coupon = this.coupons.add(
        { ...candidate, phone: phoneIndex, prize, drawId, atMs, day, redeemedAtMs: undefined },
        this.phones.newestCouponOf(phoneIndex),
      );
      this.phones.setNewestCoupon(phoneIndex, coupon);
    }
    this.phones.record(phoneIndex, { drawId, atMs, day, prize, coupon });
    this.lastDrawAtMs = atMs;
    return ok({
      drawId,
      campaignId: this.id,
      phone,
      day: dayText(day),
      atMs,
      won: prize !== -1,
      prize: prize === -1 ? null : this.prizeRef(prize),
      coupon: prize === -1 ? null : { tag: candidate.tag, seal: candidate.seal },
    });
  }

  private hasQuotaLeft(prize: number): boolean {
    const definition = this.definition.prizes[prize];
    if (definition === undefined) return fail(`no prize ${prize}`);
    return (
      (this.wonTotal[prize] as number) < definition.quotaTotal &&
      (this.wonToday[prize] as number) < definition.quotaDaily
    );
  }

  redeem(tag: string, atMs: number): Outcome<Redemption> {
    const index = this.coupons.find(tag);
    if (index === -1)
      return refuse('coupon_not_found', `Campaign '${this.id}' has no such coupon.`);
    const coupon = this.coupons.entry(index);
    if (coupon.redeemedAtMs !== undefined) {
      return refuse(
        'coupon_already_redeemed',
        `This coupon was redeemed at ${new Date(coupon.redeemedAtMs).toISOString()}.`,
      );
    }
    this.coupons.redeem(index, atMs);
    return ok({
      seal: coupon.seal,
      campaignId: this.id,
      phone: this.phones.phoneOf(coupon.phone),
      drawId: coupon.drawId,
      prize: this.prizeRef(coupon.prize),
      wonAtMs: coupon.atMs,
      redeemedAtMs: atMs,
    });
  }

  /** The campaign as it stands at `nowMs` (the caller's clock, never before the latest draw). */
  view(nowMs: number): CampaignView {
    const { definition } = this;
    const day = this.dayAt(Math.max(nowMs, this.lastDrawAtMs));
    const today = day === this.counterDay;
    const status =
      nowMs < definition.startsAtMs
        ? 'upcoming'
        : nowMs >= definition.endsAtMs
          ? 'ended'
          : 'active';
    return {
      id: definition.id,
      name: definition.name,
      startsAtMs: definition.startsAtMs,
      endsAtMs: definition.endsAtMs,
      timeZone: definition.timeZone,
      createdAtMs: definition.createdAtMs,
      status,
      day: dayText(day),
      drawCount: this.drawCount,
      phoneCount: this.phones.size,
      prizes: definition.prizes.map((prize, index) => {
        const wonTotal = this.wonTotal[index] as number;
        const wonToday = today ? (this.wonToday[index] as number) : 0;
        const remainingTotal = prize.quotaTotal - wonTotal;
        return {
          id: prize.id,
          name: prize.name,
          probability: prize.probability,
          quotaTotal: prize.quotaTotal,
          quotaDaily: prize.quotaDaily,
          wonTotal,
          wonToday,
          remainingTotal,
          remainingToday: Math.min(prize.quotaDaily - wonToday, remainingTotal),
        };
      }),
    };
  }

  /**
   * A phone's draws, newest first: its kept draws (`campaignDrawsKeptPerPhone`), then the coupons
   * it won before them, so no coupon ever drops out of the list.
   */
  history(phone: string): PhoneHistory {
    const index = this.phones.indexOf(phone);
    if (index === -1) return { campaignId: this.id, phone, drawCount: 0, draws: [] };
    const kept = this.phones.recent(index);
    const draws = kept.map((draw) => this.historyDraw(draw));
    const oldestKept = kept.at(-1)?.drawId ?? Number.POSITIVE_INFINITY;
    for (
      let coupon = this.phones.newestCouponOf(index);
      coupon !== -1;
      coupon = this.coupons.olderOf(coupon)
    ) {
      const entry = this.coupons.entry(coupon);
      if (entry.drawId >= oldestKept) continue;
      draws.push(this.historyDraw({ ...entry, coupon }));
    }
    return { campaignId: this.id, phone, drawCount: this.phones.drawCountOf(index), draws };
  }

  private historyDraw(draw: DrawEntry): HistoryDraw {
    const coupon = draw.coupon === -1 ? undefined : this.coupons.entry(draw.coupon);
    return {
      drawId: draw.drawId,
      day: dayText(draw.day),
      atMs: draw.atMs,
      won: draw.prize !== -1,
      prize: draw.prize === -1 ? null : this.prizeRef(draw.prize),
      coupon:
        coupon === undefined
          ? null
          : { seal: coupon.seal, redeemedAtMs: coupon.redeemedAtMs ?? null },
    };
  }

  counters(): CampaignCounters {
    return {
      counterDay: this.counterDay,
      lastDrawAtMs: this.lastDrawAtMs,
      drawCount: this.drawCount,
      wonTotal: [...this.wonTotal],
      wonToday: [...this.wonToday],
    };
  }

  /** Sets the counters read back from a snapshot (phones and coupons are restored beside). */
  restoreCounters(counters: CampaignCounters): void {
    this.counterDay = counters.counterDay;
    this.lastDrawAtMs = counters.lastDrawAtMs;
    this.drawCount = counters.drawCount;
    for (let i = 0; i < this.wonTotal.length; i += 1) {
      this.wonTotal[i] = counters.wonTotal[i] ?? fail('the snapshot lacks a prize counter');
      this.wonToday[i] = counters.wonToday[i] ?? fail('the snapshot lacks a prize counter');
    }
  }

  /**
   * Counters equal what the coupons say, never pass their quotas, every phone drew at most once a
   * day, and the phone and coupon structures hold together. Throws naming what broke.
   */
  checkInvariants(): void {
    const { prizes } = this.definition;
    const wonTotal = prizes.map(() => 0);
    const wonToday = prizes.map(() => 0);
    let redeemed = 0;
    let previous: { drawId: number; day: number } = { drawId: 0, day: -1 };
    for (const coupon of this.coupons.entries()) {
      if (coupon.prize < 0 || coupon.prize >= prizes.length)
        fail(`coupon of unknown prize ${coupon.prize}`);
      wonTotal[coupon.prize] = (wonTotal[coupon.prize] as number) + 1;
      if (coupon.day === this.counterDay)
        wonToday[coupon.prize] = (wonToday[coupon.prize] as number) + 1;
      if (coupon.day > this.counterDay) fail('a coupon is dated after the latest draw');
      if (coupon.drawId <= previous.drawId || coupon.day < previous.day)
        fail('coupons are out of order');
      if (coupon.drawId > this.drawCount) fail('a coupon names a draw that did not happen');
      if (coupon.redeemedAtMs !== undefined) redeemed += 1;
      previous = coupon;
    }
    if (redeemed !== this.coupons.redeemedCount)
      fail('the redeemed count differs from the coupons');
    for (let i = 0; i < prizes.length; i += 1) {
      const prize = prizes[i] as (typeof prizes)[number];
      if (this.wonTotal[i] !== wonTotal[i])
        fail(`prize '${prize.id}' counts ${this.wonTotal[i]} wins, its coupons ${wonTotal[i]}`);
      if (this.wonToday[i] !== wonToday[i])
        fail(
          `prize '${prize.id}' counts ${this.wonToday[i]} wins today, its coupons ${wonToday[i]}`,
        );
      if ((wonTotal[i] as number) > prize.quotaTotal)
        fail(`prize '${prize.id}' passed its total quota`);
      if ((wonToday[i] as number) > prize.quotaDaily)
        fail(`prize '${prize.id}' passed its daily quota`);
    }
    this.phones.checkInvariants();
    let draws = 0;
    let chained = 0;
    for (let index = 0; index < this.phones.size; index += 1) {
      draws += this.phones.drawCountOf(index);
      if (this.phones.lastDayOf(index) > this.counterDay)
        fail('a phone drew after the latest draw');
      let newer = Number.POSITIVE_INFINITY;
      for (let c = this.phones.newestCouponOf(index); c !== -1; c = this.coupons.olderOf(c)) {
        const coupon = this.coupons.entry(c);
        if (coupon.phone !== index) fail('a coupon sits in another phone’s chain');
        if (coupon.drawId >= newer) fail('a phone’s coupons are out of order');
        newer = coupon.drawId;
        chained += 1;
      }
    }
    if (draws !== this.drawCount)
      fail(`phones count ${draws} draws, the campaign ${this.drawCount}`);
    if (chained !== this.coupons.size) fail('some coupons are in no phone’s chain');
  }
}
