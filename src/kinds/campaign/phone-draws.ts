/**
 * The phones of one campaign: for each, the day of its last draw (the once-a-day rule), how many
 * times it drew, its newest coupon, and its latest draws.
 *
 * Memory per phone is what a million phones make matter. A phone costs one Map entry (its E.164
 * string to a small index) and a few bytes in parallel typed arrays; its draws live in a pool of
 * fixed-size slots (also typed arrays, 30 bytes each) chained newest to oldest, and only the
 * latest `keptMax` of them are kept: recording a draw past that frees the oldest slot. So no
 * object is made per draw and a phone's memory stops growing after `keptMax` draws, however
 * long the campaign runs; the phone's `drawCount` still counts every draw, and its coupons are
 * kept elsewhere (the coupon book) in full. Dropping the oldest slot walks the chain (`keptMax`
 * steps), the price of one link per slot instead of two.
 */
import { withRoom } from './growable.js';

/** One kept draw of a phone. */
export interface DrawEntry {
  drawId: number;
  atMs: number;
  /** Day number in the campaign's zone. */
  day: number;
  /** Index of the prize won, or -1 for a draw that won nothing. */
  prize: number;
  /** Index of the coupon in the coupon book, or -1. */
  coupon: number;
}

const none = -1;

export class PhoneDraws {
  private readonly indexByPhone = new Map<string, number>();
  private readonly phoneAt: string[] = [];
  private lastDay = new Int32Array(0);
  private drawCounts = new Int32Array(0);
  private newestSlot = new Int32Array(0);
  private keptCount = new Uint8Array(0);
  private newestCoupons = new Int32Array(0);

  private slotDrawId = new Float64Array(0);
  private slotAtMs = new Float64Array(0);
  private slotDay = new Int32Array(0);
  private slotPrize = new Int16Array(0);
  private slotCoupon = new Int32Array(0);
  private slotOlder = new Int32Array(0);
  private slotsMade = 0;
  private freeSlot = none;
  private liveSlots = 0;

  constructor(readonly keptMax: number) {}

  /** Phones that drew at least once. */
  get size(): number {
    return this.phoneAt.length;
  }

  /** Draw slots in use (every kept draw of every phone). */
  get keptDraws(): number {
    return this.liveSlots;
  }

  /** The phone's index, or -1 when it never drew. */
  indexOf(phone: string): number {
    return this.indexByPhone.get(phone) ?? none;
  }

  phoneOf(index: number): string {
    return this.phoneAt[index] as string;
  }

  /** Adds a phone that has not drawn yet; returns its index. */
  add(phone: string): number {
    const index = this.phoneAt.length;
    this.indexByPhone.set(phone, index);
    this.phoneAt.push(phone);
    this.lastDay = withRoom(this.lastDay, index);
    this.drawCounts = withRoom(this.drawCounts, index);
    this.newestSlot = withRoom(this.newestSlot, index);
    this.keptCount = withRoom(this.keptCount, index);
    this.newestCoupons = withRoom(this.newestCoupons, index);
    this.lastDay[index] = none;
    this.drawCounts[index] = 0;
    this.newestSlot[index] = none;
    this.keptCount[index] = 0;
    this.newestCoupons[index] = none;
    return index;
  }

  /** Day number of the phone's last draw (-1 before its first). */
  lastDayOf(index: number): number {
    return this.lastDay[index] as number;
  }

  drawCountOf(index: number): number {
    return this.drawCounts[index] as number;
  }

  /** The phone's newest coupon in the coupon book, or -1. */
  newestCouponOf(index: number): number {
    return this.newestCoupons[index] as number;
  }

  setNewestCoupon(index: number, coupon: number): void {
    this.newestCoupons[index] = coupon;
  }

  /** Records a draw of the phone (days only move forward); forgets its oldest past `keptMax`. */
  record(index: number, entry: DrawEntry): void {
    const slot = this.takeSlot();
    this.slotDrawId[slot] = entry.drawId;
    this.slotAtMs[slot] = entry.atMs;
    this.slotDay[slot] = entry.day;
    this.slotPrize[slot] = entry.prize;
    this.slotCoupon[slot] = entry.coupon;
    this.slotOlder[slot] = this.newestSlot[index] as number;
    this.newestSlot[index] = slot;
    this.lastDay[index] = entry.day;
    this.drawCounts[index] = (this.drawCounts[index] as number) + 1;
    const kept = (this.keptCount[index] as number) + 1;
    if (kept <= this.keptMax) {
      this.keptCount[index] = kept;
      return;
    }
    // Walk to the slot before the oldest, cut the chain there and free the oldest.
    let beforeOldest = slot;
    for (let step = 2; step < kept; step += 1)
      beforeOldest = this.slotOlder[beforeOldest] as number;
    const oldest = this.slotOlder[beforeOldest] as number;
    this.slotOlder[beforeOldest] = none;
    this.releaseSlot(oldest);
  }

  /** The phone's kept draws, newest first. */
  recent(index: number): DrawEntry[] {
    const entries: DrawEntry[] = [];
    for (
      let slot = this.newestSlot[index] as number;
      slot !== none;
      slot = this.slotOlder[slot] as number
    ) {
      entries.push({
        drawId: this.slotDrawId[slot] as number,
        atMs: this.slotAtMs[slot] as number,
        day: this.slotDay[slot] as number,
        prize: this.slotPrize[slot] as number,
        coupon: this.slotCoupon[slot] as number,
      });
    }
    return entries;
  }

  /**
   * Rebuilds a phone read back from a snapshot: its counters and its kept draws, oldest first.
   * Returns its index.
   */
  restore(
    phone: string,
    drawCount: number,
    newestCoupon: number,
    draws: readonly DrawEntry[],
  ): number {
    const index = this.add(phone);
    for (const draw of draws) this.record(index, draw);
    this.drawCounts[index] = drawCount;
    this.newestCoupons[index] = newestCoupon;
    return index;
  }

  /** Checks the structure of every phone; throws naming what broke. */
  checkInvariants(): void {
    const fail = (message: string): never => {
      throw new Error(`campaign phones: ${message}`);
    };
    if (this.indexByPhone.size !== this.phoneAt.length)
      fail('the index and the list of phones differ');
    let slots = 0;
    for (let index = 0; index < this.phoneAt.length; index += 1) {
      const phone = this.phoneAt[index] as string;
      if (this.indexByPhone.get(phone) !== index) fail(`'${phone}' is not filed under its index`);
      const draws = this.recent(index);
      slots += draws.length;
      if (draws.length !== this.keptCount[index]) fail(`'${phone}' keeps a wrong count of draws`);
      if (draws.length > this.keptMax) fail(`'${phone}' keeps more than ${this.keptMax} draws`);
      if (draws.length === 0 || draws.length > this.drawCountOf(index))
        fail(`'${phone}' keeps ${draws.length} of ${this.drawCountOf(index)} draws`);
      if (draws[0]?.day !== this.lastDayOf(index))
        fail(`'${phone}' has a last day unlike its newest draw`);
      for (let i = 1; i < draws.length; i += 1) {
        const newer = draws[i - 1] as DrawEntry;
        const older = draws[i] as DrawEntry;
        if (older.day >= newer.day) fail(`'${phone}' drew twice on day ${older.day}`);
        if (older.drawId >= newer.drawId) fail(`'${phone}' has draws out of order`);
      }
    }
    if (slots !== this.liveSlots) fail(`${this.liveSlots} slots in use for ${slots} kept draws`);
  }

  private takeSlot(): number {
    this.liveSlots += 1;
    if (this.freeSlot !== none) {
      const slot = this.freeSlot;
      this.freeSlot = this.slotOlder[slot] as number;
      return slot;
    }
    const slot = this.slotsMade;
    this.slotsMade += 1;
    this.slotDrawId = withRoom(this.slotDrawId, slot);
    this.slotAtMs = withRoom(this.slotAtMs, slot);
    this.slotDay = withRoom(this.slotDay, slot);
    this.slotPrize = withRoom(this.slotPrize, slot);
    this.slotCoupon = withRoom(this.slotCoupon, slot);
    this.slotOlder = withRoom(this.slotOlder, slot);
    return slot;
  }

  private releaseSlot(slot: number): void {
    this.liveSlots -= 1;
    this.slotOlder[slot] = this.freeSlot;
    this.freeSlot = slot;
  }
}
