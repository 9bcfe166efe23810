/**
 * The coupons of one campaign: every coupon ever won, by tag, with its seal, prize, phone, draw
 * and redemption, and a chain through each phone's coupons (newest first).
 *
 * The kind never sees a coupon code: the edge files a coupon under its tag (a keyed hash of the
 * code) and keeps the code inside a seal only the edge can open (`src/api/coupon-seal.ts`).
 * Coupons are kept for good, since an operator redeems them and reads them back by phone; their
 * number is bounded by the sum of the campaign's total quotas (`campaignCouponsMax`). Each costs
 * its tag and seal strings, one Map entry and about 40 bytes of parallel typed arrays.
 */
import { withRoom } from './growable.js';

export interface CouponEntry {
  /** Keyed hash of the code: what redemptions look up. */
  tag: string;
  /** The code sealed by the edge: returned to the edge, which alone can open it. */
  seal: string;
  /** Index of the phone in the campaign's phone list. */
  phone: number;
  prize: number;
  drawId: number;
  atMs: number;
  day: number;
  /** When it was redeemed, or undefined. */
  redeemedAtMs: number | undefined;
}

const none = -1;

export class CouponBook {
  private readonly indexByTag = new Map<string, number>();
  private readonly tags: string[] = [];
  private readonly seals: string[] = [];
  private phones = new Int32Array(0);
  private prizes = new Int16Array(0);
  private drawIds = new Float64Array(0);
  private atMs = new Float64Array(0);
  private days = new Int32Array(0);
  private redeemedAtMs = new Float64Array(0);
  private olderOfPhone = new Int32Array(0);
  private redeemed = 0;

  get size(): number {
    return this.tags.length;
  }

  get redeemedCount(): number {
    return this.redeemed;
  }

  has(tag: string): boolean {
    return this.indexByTag.has(tag);
  }

  /** The coupon's index, or -1. */
  find(tag: string): number {
    return this.indexByTag.get(tag) ?? none;
  }

  /** Files a new coupon; `olderOfPhone` is the phone's previous newest coupon (or -1). */
  add(entry: CouponEntry, olderOfPhone: number): number {
    if (this.indexByTag.has(entry.tag)) throw new Error('coupon book: a tag is filed twice');
    const index = this.tags.length;
    this.indexByTag.set(entry.tag, index);
    this.tags.push(entry.tag);
    this.seals.push(entry.seal);
    this.phones = withRoom(this.phones, index);
    this.prizes = withRoom(this.prizes, index);
    this.drawIds = withRoom(this.drawIds, index);
    this.atMs = withRoom(this.atMs, index);
    this.days = withRoom(this.days, index);
    this.redeemedAtMs = withRoom(this.redeemedAtMs, index);
    this.olderOfPhone = withRoom(this.olderOfPhone, index);
    this.phones[index] = entry.phone;
    this.prizes[index] = entry.prize;
    this.drawIds[index] = entry.drawId;
    this.atMs[index] = entry.atMs;
    this.days[index] = entry.day;
    this.redeemedAtMs[index] = Number.NaN;
    this.olderOfPhone[index] = olderOfPhone;
    if (entry.redeemedAtMs !== undefined) this.redeem(index, entry.redeemedAtMs);
    return index;
  }

  entry(index: number): CouponEntry {
    const redeemedAtMs = this.redeemedAtMs[index] as number;
    return {
      tag: this.tags[index] as string,
      seal: this.seals[index] as string,
      phone: this.phones[index] as number,
      prize: this.prizes[index] as number,
      drawId: this.drawIds[index] as number,
      atMs: this.atMs[index] as number,
      day: this.days[index] as number,
      redeemedAtMs: Number.isNaN(redeemedAtMs) ? undefined : redeemedAtMs,
    };
  }

  /** The coupon the same phone won before this one, or -1. */
  olderOf(index: number): number {
    return this.olderOfPhone[index] as number;
  }

  isRedeemed(index: number): boolean {
    return !Number.isNaN(this.redeemedAtMs[index]);
  }

  redeem(index: number, atMs: number): void {
    if (this.isRedeemed(index)) throw new Error('coupon book: a coupon is redeemed twice');
    this.redeemedAtMs[index] = atMs;
    this.redeemed += 1;
  }

  /** Every coupon, in the order they were won. */
  *entries(): Generator<CouponEntry> {
    for (let index = 0; index < this.tags.length; index += 1) yield this.entry(index);
  }
}
