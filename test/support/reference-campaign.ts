/**
 * A naive model of the campaign kind for property tests: every draw kept in one array, counters
 * recounted by filtering it, days read with `toLocaleString` (another route through the time-zone
 * data than the kind's `formatToParts`), probabilities summed from their decimal text, the outcome
 * drawn with the ledger's `uniformIndex` over plain numbers. Coupons are the tags and seals the
 * draws bring (the edge makes them). Slow and obvious on purpose.
 */
import { SeedByteStream, uniformIndex } from '../../src/domain/random-index.js';

export interface ReferencePrize {
  id: string;
  name: string;
  probability: number;
  quotaTotal: number;
  quotaDaily: number;
}

export interface ReferenceDefinition {
  id: string;
  name: string;
  startsAtMs: number;
  endsAtMs: number;
  timeZone: string;
  prizes: ReferencePrize[];
}

interface ReferenceDraw {
  drawId: number;
  phone: string;
  day: string;
  atMs: number;
  prize: number;
  /** The won coupon's tag and seal (the kind never sees codes). */
  tag: string | undefined;
  seal: string | undefined;
}

export type ReferenceOutcome = { ok: true; value: unknown } | { ok: false; reason: string };

/** `YYYY-MM-DD` of an instant in a zone, through `toLocaleString` with the Swedish date order. */
export function referenceDay(timeZone: string, atMs: number): string {
  return new Date(atMs).toLocaleString('sv-SE', { timeZone }).slice(0, 10);
}

/** Decimals of a probability written plainly (the tests use no exponent form). */
function decimalsOf(probability: number): number {
  const text = String(probability);
  if (text.includes('e')) throw new Error(`reference: write ${text} without an exponent`);
  return text.includes('.') ? (text.split('.')[1] as string).length : 0;
}

export class ReferenceCampaign {
  readonly draws: ReferenceDraw[] = [];
  /** Redemption times by coupon tag. */
  readonly redeemedAt = new Map<string, number>();
  /** What the last accepted draw was, for tests that check their generator reaches every case. */
  lastDrawCase: 'won' | 'nothing_picked' | 'quota_spent' | undefined;
  /** Whether the last accepted draw's phone had drawn before (on an earlier day). */
  lastDrawRepeated = false;

  /**
   * `phonePattern`: which phones a draw takes. The kind takes E.164 numbers and the edge's keyed
   * pseudonyms (`ph_` and 22 base64url characters); tests that draw through the edge's shapes, as
   * the simulation does, pass a pattern that admits pseudonyms too.
   */
  constructor(
    readonly definition: ReferenceDefinition,
    private readonly phonePattern: RegExp = /^\+[1-9][0-9]{1,14}$/,
  ) {}

  private latestDay(): string | undefined {
    return this.draws.at(-1)?.day;
  }

  /** The campaign day at `atMs`: the zone's date, never before the latest draw's day. */
  dayAt(atMs: number): string {
    const day = referenceDay(this.definition.timeZone, atMs);
    const latest = this.latestDay();
    return latest !== undefined && latest > day ? latest : day;
  }

  private wins(prize: number, day?: string): number {
    return this.draws.filter(
      (d) => d.tag !== undefined && d.prize === prize && (day === undefined || d.day === day),
    ).length;
  }

  draw(
    phone: string,
    atMs: number,
    seed: Uint8Array,
    coupon: { tag: string; seal: string },
  ): ReferenceOutcome {
    const { definition } = this;
    if (!this.phonePattern.test(phone)) return { ok: false, reason: 'invalid_phone' };
    if (atMs < definition.startsAtMs || atMs >= definition.endsAtMs)
      return { ok: false, reason: 'campaign_not_active' };
    const day = this.dayAt(atMs);
    if (this.draws.some((d) => d.phone === phone && d.day === day))
      return { ok: false, reason: 'already_drawn_today' };
    const decimals = Math.max(0, ...definition.prizes.map((p) => decimalsOf(p.probability)));
    const scale = 10 ** decimals;
    const outcome = uniformIndex(scale, new SeedByteStream(seed));
    let picked = -1;
    let upper = 0;
    for (let i = 0; i < definition.prizes.length; i += 1) {
      upper += Math.round((definition.prizes[i] as ReferencePrize).probability * scale);
      if (outcome < upper) {
        picked = i;
        break;
      }
    }
    let prize = -1;
    if (picked !== -1) {
      const p = definition.prizes[picked] as ReferencePrize;
      const tagTaken = this.draws.some((d) => d.tag === coupon.tag);
      if (this.wins(picked) < p.quotaTotal && this.wins(picked, day) < p.quotaDaily && !tagTaken)
        prize = picked;
    }
    this.lastDrawCase = prize !== -1 ? 'won' : picked === -1 ? 'nothing_picked' : 'quota_spent';
    this.lastDrawRepeated = this.draws.some((d) => d.phone === phone);
    const won = prize === -1 ? undefined : coupon;
    const drawId = this.draws.length + 1;
    this.draws.push({ drawId, phone, day, atMs, prize, tag: won?.tag, seal: won?.seal });
    const ref =
      prize === -1
        ? null
        : { id: definition.prizes[prize]?.id, name: definition.prizes[prize]?.name };
    return {
      ok: true,
      value: {
        drawId,
        campaignId: definition.id,
        phone,
        day,
        atMs,
        won: prize !== -1,
        prize: ref,
        coupon: won === undefined ? null : { tag: won.tag, seal: won.seal },
      },
    };
  }

  redeem(tag: string, atMs: number): ReferenceOutcome {
    const draw = this.draws.find((d) => d.tag !== undefined && d.tag === tag);
    if (draw === undefined) return { ok: false, reason: 'coupon_not_found' };
    if (this.redeemedAt.has(tag)) return { ok: false, reason: 'coupon_already_redeemed' };
    this.redeemedAt.set(tag, atMs);
    const p = this.definition.prizes[draw.prize] as ReferencePrize;
    return {
      ok: true,
      value: {
        seal: draw.seal,
        campaignId: this.definition.id,
        phone: draw.phone,
        drawId: draw.drawId,
        prize: { id: p.id, name: p.name },
        wonAtMs: draw.atMs,
        redeemedAtMs: atMs,
      },
    };
  }

  /** Per prize: won in total, won today, remaining in total and today, at `nowMs`. */
  counters(nowMs: number): { day: string; prizes: number[][] } {
    const lastAt = this.draws.at(-1)?.atMs ?? 0;
    const day = this.dayAt(Math.max(nowMs, lastAt));
    return {
      day,
      prizes: this.definition.prizes.map((p, i) => {
        const total = this.wins(i);
        const today = this.wins(i, day);
        return [
          total,
          today,
          p.quotaTotal - total,
          Math.min(p.quotaDaily - today, p.quotaTotal - total),
        ];
      }),
    };
  }

  /** The phone's draws as the kind lists them: the latest `kept`, then older wins. */
  history(
    phone: string,
    kept: number,
  ): { drawCount: number; draws: [number, string, string | null][] } {
    const mine = this.draws.filter((d) => d.phone === phone).reverse();
    const listed = [...mine.slice(0, kept), ...mine.slice(kept).filter((d) => d.tag !== undefined)];
    return {
      drawCount: mine.length,
      draws: listed.map((d) => [d.drawId, d.day, d.seal ?? null]),
    };
  }
}
