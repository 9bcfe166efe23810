/**
 * The campaign kind's model for the linearizability search: one campaign as cells
 * (`cell-state.ts`) — its draw count, its counter day (the day of its latest draw, as a day
 * number), its phone count; per prize, wins in total and wins on each day seen; per phone, its
 * draws and the day of its latest; per coupon, 0 (not won), 1 (won) or 2 (redeemed).
 *
 * What it checks: draws are numbered 1, 2, … in the order they take effect; days never go back; a
 * phone draws at most once a day, and `already_drawn_today` only when it drew on the current day;
 * a win stays within its prize's total and daily quotas; a coupon is won once and redeemed once,
 * and refused as unknown or redeemed only when it is; reads of the campaign (draw count, phone
 * count, each prize's wins in total and today) and of a phone's draw count agree with the state.
 * Which prize a draw selects is random: the model takes the answer as given and checks the state
 * it implies. A draw of unknown outcome counts and moves its phone, but the day it fell on is
 * unknown (the counter day and the phone count are forgotten) and so are its phone and whether it
 * won (the compiler stops comparing what they would move): lenient, never wrongly strict.
 */
import { CellModelState, CellResult, type CellOp } from './cell-ops.js';
import { ignoredCell } from './cell-state.js';

export const CampaignOpCode = { Draw: 0, Get: 1, PhoneDraws: 2, Redeem: 3 } as const;

export const CampaignResult = {
  ...CellResult,
  AlreadyDrawnToday: 2,
  CouponNotFound: 3,
  CouponAlreadyRedeemed: 4,
  /** An answer no state explains (a redemption that names another draw than the coupon's). */
  Impossible: 5,
} as const;

/** Cells: 0 draws, 1 counter day, 2 phones; then prizes, phones and coupons as they appear. */
export const drawCountCell = 0;
export const counterDayCell = 1;
export const phoneCountCell = 2;
export const firstCampaignKeyCell = 3;

/**
 * Cell positions: draw `[draws, counter day, phones, phone draws, phone's day, prize total, prize
 * today, coupon]` with outputs `[drawId, day, quotaTotal, quotaDaily]`; get `[draws, counter day,
 * phones, then total and today of each prize]` with outputs `[draws, day, phones, then wonTotal
 * and wonToday of each]`; phoneDraws `[phone draws]` with `[drawCount]`; redeem `[coupon]`.
 */
export class CampaignModelState extends CellModelState {
  /**
   * Every draw touches the counter day, which says little about which draw a waiting operation
   * needs: a phone's refusal waits for that phone's draw, not for any draw. Leaving the counter day
   * out of the hint keeps the search from trying every lost draw in front of such a refusal.
   */
  override interacts(a: CellOp, b: CellOp): boolean {
    return a.cells.some(
      (cell) => cell !== ignoredCell && cell !== counterDayCell && b.cells.includes(cell),
    );
  }

  observes(op: CellOp): boolean {
    return (
      op.code === CampaignOpCode.Get ||
      op.code === CampaignOpCode.PhoneDraws ||
      (op.result !== CampaignResult.Ok && op.result !== CampaignResult.Unknown)
    );
  }

  protected step(op: CellOp): boolean {
    if (op.result === CampaignResult.Impossible) return false;
    const c = op.cells;
    const o = op.outs;
    switch (op.code) {
      case CampaignOpCode.Draw:
        return this.draw(op);
      case CampaignOpCode.Get: {
        const day = o[1] as number;
        if (!this.observe(c[0] as number, o[0] as number)) return false;
        if (!this.below(c[1] as number, day + 1)) return false;
        if (!this.observe(c[2] as number, o[2] as number)) return false;
        for (let i = 3; i < c.length; i += 1) {
          if (!this.observe(c[i] as number, o[i] as number)) return false;
        }
        return true;
      }
      case CampaignOpCode.PhoneDraws:
        return this.observe(c[0] as number, o[0] as number);
      case CampaignOpCode.Redeem: {
        const coupon = c[0] as number;
        if (op.result === CampaignResult.CouponNotFound) return this.observe(coupon, 0);
        if (op.result === CampaignResult.CouponAlreadyRedeemed) return this.observe(coupon, 2);
        if (!this.observe(coupon, 1)) return false;
        this.add(coupon, 1);
        return true;
      }
      default:
        return false;
    }
  }

  private draw(op: CellOp): boolean {
    const [draws, counterDay, phones, phoneDraws, phoneDay, total, today, coupon] = op.cells;
    const [drawId, day, quotaTotal, quotaDaily] = op.outs;
    if (op.result === CampaignResult.AlreadyDrawnToday) {
      // The phone drew on the campaign's current day: compared when both are known here.
      const last = this.knownValue(phoneDay as number);
      const current = this.knownValue(counterDay as number);
      if (last !== undefined && current !== undefined && last !== current) return false;
      return this.atLeast(phoneDraws as number, 1);
    }
    const firstDraw = this.knownValue(phoneDraws as number);
    if (op.result === CampaignResult.Unknown) {
      this.add(draws as number, 1);
      this.forget(counterDay as number);
      this.forget(phoneDay as number);
    } else {
      if (!this.observe(draws as number, (drawId as number) - 1)) return false;
      this.add(draws as number, 1);
      if (!this.below(counterDay as number, (day as number) + 1)) return false;
      this.assign(counterDay as number, day as number);
      if (!this.below(phoneDay as number, day as number)) return false;
      this.assign(phoneDay as number, day as number);
      if (
        !this.below(total as number, quotaTotal as number) ||
        !this.below(today as number, quotaDaily as number) ||
        !this.observe(coupon as number, 0)
      ) {
        return false;
      }
      this.add(total as number, 1);
      this.add(today as number, 1);
      this.add(coupon as number, 1);
    }
    if (firstDraw === undefined) this.forget(phones as number);
    else if (firstDraw === 0) this.add(phones as number, 1);
    this.add(phoneDraws as number, 1);
    return true;
  }
}
