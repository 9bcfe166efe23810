/**
 * Turns one campaign's recorded operations (campaign-operations.ts) into the campaign model's
 * operations (campaign-model.ts), and names its projections: the counters alone (draws, day,
 * phones), each prize alone, each phone alone, each coupon alone.
 *
 * The quotas come from the campaign's `create` (or its first read). Days are numbered from the
 * epoch, so the model compares them as numbers. A redemption's answer names the draw that won the
 * coupon and its prize: that is checked here against the draw's own answer, once for all. After a
 * draw of unknown outcome, reads' prize counters are not compared (it may have won any prize).
 */
import {
  CellNames,
  cellPartition,
  cellResultOf,
  compileEach,
  inInvocationOrder,
  num,
  type CellOp,
} from './cell-ops.js';
import { ignoredCell } from './cell-state.js';
import {
  CampaignModelState,
  CampaignOpCode,
  CampaignResult,
  counterDayCell,
  drawCountCell,
  firstCampaignKeyCell,
  phoneCountCell,
} from './campaign-model.js';
import { isInformativeCampaignRefusal } from './campaign-operations.js';
import type { Operation } from './events.js';
import type { PartitionModel } from './partition-model.js';

const refusalCode: Record<string, number> = {
  already_drawn_today: CampaignResult.AlreadyDrawnToday,
  coupon_not_found: CampaignResult.CouponNotFound,
  coupon_already_redeemed: CampaignResult.CouponAlreadyRedeemed,
};

function resultOf(operation: Operation): number | undefined {
  return cellResultOf(operation, refusalCode, isInformativeCampaignRefusal);
}

/** `YYYY-MM-DD` as a day number (days since 1970-01-01); NaN otherwise. */
export function dayNumber(day: unknown): number {
  if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return Number.NaN;
  return (
    Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8))) /
    86_400_000
  );
}

interface Quota {
  total: number;
  daily: number;
}

function prizesOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

export const campaignPartitionModel: PartitionModel = {
  kind: 'campaign',
  compile(operations) {
    const ordered = inInvocationOrder(operations);
    const quotas = new Map<string, Quota>();
    const learn = (prizes: unknown): void => {
      for (const prize of prizesOf(prizes)) {
        if (typeof prize.id !== 'string' || quotas.has(prize.id)) continue;
        quotas.set(prize.id, { total: num(prize.quotaTotal), daily: num(prize.quotaDaily) });
      }
    };
    // What each coupon's winning draw answered, for the redemptions.
    const wonBy = new Map<string, { drawId: unknown; prize: unknown }>();
    let unknownDrawMs = Number.POSITIVE_INFINITY;
    /** Phones with a draw of unknown outcome, and when the first was invoked. */
    const uncertainSince = new Map<unknown, number>();
    for (const op of ordered) {
      if (op.f === 'draw' && op.completion === 'info') {
        unknownDrawMs = Math.min(unknownDrawMs, op.invokeMs);
        if (!uncertainSince.has(op.input.phone)) uncertainSince.set(op.input.phone, op.invokeMs);
      }
      if (op.completion !== 'ok') continue;
      if (op.f === 'create' || op.f === 'get') learn(op.output.prizes);
      if (op.f === 'draw' && typeof op.output.couponHash === 'string') {
        const prize = (op.output.prize as { id?: unknown } | null)?.id;
        wonBy.set(op.output.couponHash, { drawId: op.output.drawId, prize });
      }
    }
    const names = new CellNames(firstCampaignKeyCell);
    const prizeTotal = (id: string): number => names.cellOf(`prize ${id}|total`);
    const prizeOn = (id: string, day: number): number => names.cellOf(`prize ${id}|${day}`);
    const phoneDraws = (phone: unknown): number => names.cellOf(`phone ${String(phone)}|draws`);
    const phoneDay = (phone: unknown): number => names.cellOf(`phone ${String(phone)}|day`);
    const couponCell = (hash: unknown): number => names.cellOf(`coupon ${String(hash)}`);
    const { kept, model } = compileEach(ordered, resultOf, (operation, base) => {
      const { input, output } = operation;
      const { result } = base;
      let op: CellOp | undefined;
      switch (operation.f) {
        case 'draw': {
          const phone = input.phone;
          if (result === CampaignResult.Unknown) {
            // Which phone's draw it was, and whether it counted, is left open: lost draws are
            // then interchangeable, and the search tries one of them wherever a number is missing.
            op = {
              ...base,
              code: CampaignOpCode.Draw,
              cells: [
                drawCountCell,
                counterDayCell,
                phoneCountCell,
                ...Array.from({ length: 5 }, () => ignoredCell),
              ],
              outs: [Number.NaN, Number.NaN, 0, 0],
            };
            break;
          }
          // After a lost draw of the same phone, its refusals say nothing the model can follow,
          // and whether it is the phone's first draw (a new phone) is unknown.
          const uncertain =
            operation.completeMs > (uncertainSince.get(phone) ?? Number.POSITIVE_INFINITY);
          if (result !== CampaignResult.Ok && uncertain) break;
          const cells = [
            drawCountCell,
            counterDayCell,
            phoneCountCell,
            uncertain ? ignoredCell : phoneDraws(phone),
            phoneDay(phone),
            ignoredCell,
            ignoredCell,
            ignoredCell,
          ];
          const day = dayNumber(output.day);
          const outs = [num(output.drawId), day, 0, 0];
          const prize = (output.prize as { id?: unknown } | null | undefined)?.id;
          if (result === CampaignResult.Ok && output.won === true && typeof prize === 'string') {
            const quota = quotas.get(prize) ?? { total: Infinity, daily: Infinity };
            cells[5] = prizeTotal(prize);
            cells[6] = prizeOn(prize, day);
            cells[7] = couponCell(output.couponHash);
            outs[2] = quota.total;
            outs[3] = quota.daily;
          }
          op = { ...base, code: CampaignOpCode.Draw, cells, outs };
          break;
        }
        case 'get': {
          if (result !== CampaignResult.Ok) break;
          const day = dayNumber(output.day);
          const cells = [drawCountCell, counterDayCell, phoneCountCell];
          const outs = [num(output.drawCount), day, num(output.phoneCount)];
          // After a draw of unknown outcome, which prize counters it moved is unknown.
          if (operation.completeMs < unknownDrawMs) {
            for (const prize of prizesOf(output.prizes)) {
              const id = String(prize.id);
              cells.push(prizeTotal(id), prizeOn(id, day));
              outs.push(num(prize.wonTotal), num(prize.wonToday));
            }
          }
          op = { ...base, code: CampaignOpCode.Get, cells, outs };
          break;
        }
        case 'phoneDraws':
          if (result !== CampaignResult.Ok) break;
          // Nor its draw count, which a lost draw may or may not have moved.
          if (
            operation.completeMs > (uncertainSince.get(input.phone) ?? Number.POSITIVE_INFINITY)
          ) {
            break;
          }
          op = {
            ...base,
            code: CampaignOpCode.PhoneDraws,
            cells: [phoneDraws(input.phone)],
            outs: [num(output.drawCount)],
          };
          break;
        case 'redeem': {
          const won = wonBy.get(String(input.couponHash));
          const agrees =
            result !== CampaignResult.Ok ||
            (won !== undefined &&
              won.drawId === output.drawId &&
              won.prize === (output.prize as { id?: unknown } | null)?.id);
          op = {
            ...base,
            result: agrees ? result : CampaignResult.Impossible,
            code: CampaignOpCode.Redeem,
            cells: [couponCell(input.couponHash)],
            outs: [],
          };
          break;
        }
        default:
          // `create` sets the quotas; it is over before anything else on the campaign starts.
          break;
      }
      return op;
    });
    return cellPartition({
      operations: kept,
      model,
      cells: names.count,
      groupOf: (cell) =>
        cell < firstCampaignKeyCell ? 'counters' : names.names[cell]?.split('|')[0],
      newState: (cells, knownStart) => new CampaignModelState(cells, knownStart),
      describe: (group) => (group === 'counters' ? 'the counters alone' : `${group} alone`),
    });
  },
};
