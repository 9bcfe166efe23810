/**
 * Turns one prize raffle's recorded operations (prize-operations.ts) into the prize model's
 * operations (prize-model.ts), and names its projections: the counts alone (tickets claimed and
 * the draw), each ticket number alone, each address alone.
 *
 * The raffle's fixed facts come from its `create` (or, in a hand-written history without one, the
 * first figures read). The winners a draw picked are interned as an id, so that a read of them is
 * one number to compare; a draw of unknown outcome is given the winners that some answer showed,
 * if any. Whether a verified ticket won is checked here against those winners, once for all:
 * only one draw of a raffle can succeed, and the model proves that.
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
import type { Operation } from './events.js';
import type { PartitionModel } from './partition-model.js';
import {
  claimedCell,
  drawnCell,
  firstPrizeKeyCell,
  PrizeModelState,
  PrizeOpCode,
  PrizeResult,
  PrizeStatus,
} from './prize-model.js';
import { isInformativePrizeRefusal } from './prize-operations.js';

const refusalCode: Record<string, number> = {
  already_participated: PrizeResult.AlreadyParticipated,
  sold_out: PrizeResult.SoldOut,
  tickets_remaining: PrizeResult.TicketsRemaining,
  already_drawn: PrizeResult.AlreadyDrawn,
  not_drawn: PrizeResult.NotDrawn,
  verification_failed: PrizeResult.VerificationFailed,
};

function resultOf(operation: Operation): number | undefined {
  return cellResultOf(operation, refusalCode, isInformativePrizeRefusal);
}

function winnersKey(value: unknown): string | undefined {
  return Array.isArray(value) ? value.map(String).join(',') : undefined;
}

export const prizePartitionModel: PartitionModel = {
  kind: 'prize',
  compile(operations) {
    const ordered = inInvocationOrder(operations);
    let ticketCount = Number.NaN;
    for (const op of ordered) {
      if (op.f === 'create') ticketCount = num(op.input.ticketCount);
    }
    if (Number.isNaN(ticketCount)) {
      const read = ordered.find((op) => op.f === 'get' && op.completion === 'ok');
      ticketCount = num(read?.output.ticketCount);
    }
    // The winners: those of the draw that succeeded, else those a read showed.
    const winnerIds = new Map<string, number>();
    const winnersId = (key: string): number => {
      let id = winnerIds.get(key);
      if (id === undefined) {
        id = winnerIds.size + 1;
        winnerIds.set(key, id);
      }
      return id;
    };
    const shown =
      ordered.find((op) => op.f === 'draw' && op.completion === 'ok') ??
      ordered.find((op) => op.f === 'winners' && op.completion === 'ok');
    const drawnKey = winnersKey(shown?.output.winners);
    const winning = new Set(drawnKey === undefined ? [] : drawnKey.split(','));

    const names = new CellNames(firstPrizeKeyCell);
    const ticketCell = (n: unknown): number => names.cellOf(`ticket ${String(n)}`);
    const addressCell = (a: unknown): number => names.cellOf(`address ${String(a)}`);
    const { kept, model } = compileEach(ordered, resultOf, (operation, base) => {
      const { input, output } = operation;
      const { result } = base;
      let op: CellOp | undefined;
      switch (operation.f) {
        case 'claim': {
          const known = result === PrizeResult.Ok;
          const ticket = num(output.ticketNumber);
          const inRange = Number.isSafeInteger(ticket) && ticket >= 1 && ticket <= ticketCount;
          op = {
            ...base,
            result: known && !inRange ? PrizeResult.Impossible : result,
            code: PrizeOpCode.Claim,
            cells: [
              claimedCell,
              known && inRange ? ticketCell(ticket) : ignoredCell,
              addressCell(input.address),
            ],
            // The number is the ticket cell's: outputs alike make claims interchangeable.
            outs: [],
          };
          break;
        }
        case 'draw':
        case 'winners': {
          const key = winnersKey(output.winners) ?? drawnKey;
          const id = key === undefined ? winnerIds.size + 1_000_000 : winnersId(key);
          op =
            operation.f === 'draw'
              ? { ...base, code: PrizeOpCode.Draw, cells: [claimedCell, drawnCell], outs: [id] }
              : { ...base, code: PrizeOpCode.Winners, cells: [drawnCell], outs: [id] };
          if (result === PrizeResult.Unknown && operation.f === 'winners') op = undefined;
          break;
        }
        case 'get': {
          if (result !== PrizeResult.Ok) break;
          const claimed = num(output.ticketsClaimed);
          const status =
            output.status === 'drawn'
              ? PrizeStatus.Drawn
              : output.status === 'sold_out'
                ? PrizeStatus.SoldOut
                : PrizeStatus.Open;
          // A status must agree with its own count: sold out and drawn mean every ticket claimed.
          const consistent = (claimed === ticketCount) === (status !== PrizeStatus.Open);
          op = {
            ...base,
            result: consistent ? result : PrizeResult.Impossible,
            code: PrizeOpCode.Get,
            cells: [claimedCell, drawnCell],
            outs: [claimed, status],
          };
          break;
        }
        case 'verify': {
          if (result === PrizeResult.Unknown) break;
          const ticket = String(input.ticketNumber);
          // Whether it won must agree with the winners, when some answer showed them.
          const agrees =
            result !== PrizeResult.Ok || drawnKey === undefined
              ? true
              : (output.won === true) === winning.has(ticket);
          op = {
            ...base,
            result: agrees ? result : PrizeResult.Impossible,
            code: PrizeOpCode.Verify,
            cells: [drawnCell, ticketCell(ticket)],
            outs: [],
          };
          break;
        }
        default:
          // `create` sets the fixed facts; it is over before anything else on the raffle starts.
          break;
      }
      return op;
    });
    return cellPartition({
      operations: kept,
      model,
      cells: names.count,
      groupOf: (cell) => (cell < firstPrizeKeyCell ? 'counts' : names.names[cell]),
      newState: (cells, knownStart) => new PrizeModelState(cells, knownStart, ticketCount),
      describe: (group) => (group === 'counts' ? 'the counts alone' : `${group} alone`),
    });
  },
};
