/**
 * The prize kind's conservation law (kind `prize`, docs in docs/DESIGN.md's "Prize raffles"): no
 * ticket number is claimed twice, every number claimed lies in 1..ticketCount, and a figures
 * read's `ticketsClaimed` lies between the claims answered before it started and the claims
 * invoked (not refused) before it ended; a `sold_out` refusal likewise sees every ticket claimed.
 *
 * It reads the events the prize recorder writes (record-prize.ts, shapes in prize-operations.ts) —
 * `create` (input `ticketCount`), `claim` (ok output `ticketNumber`; refusal `sold_out`), `get`
 * (ok output `ticketCount`, `ticketsClaimed`) — with `raffle` the prize raffle's id.
 */
import { boundCheck, type ConservationLaw, type LawSink } from './conservation.js';

interface PrizeCounters {
  ticketCount: number | undefined;
  claimedCertain: number;
  claimedPossible: number;
  claimedBy: Map<number, number>;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

export function prizeLaw(sink: LawSink): ConservationLaw {
  const raffles = new Map<string, PrizeCounters>();
  const certainAtInvoke = new Map<number, number>();
  const countersOf = (raffle: string): PrizeCounters => {
    let c = raffles.get(raffle);
    if (c === undefined) {
      c = { ticketCount: undefined, claimedCertain: 0, claimedPossible: 0, claimedBy: new Map() };
      raffles.set(raffle, c);
    }
    return c;
  };
  const check = boundCheck(sink, 'prize');
  return {
    invoke(event) {
      const c = countersOf(event.raffle);
      certainAtInvoke.set(event.op, c.claimedCertain);
      if (event.f === 'create') c.ticketCount ??= num(event.value.ticketCount);
      if (event.f === 'claim') c.claimedPossible += 1;
    },
    complete(event, invoked) {
      const c = countersOf(invoked.raffle);
      const certainBefore = certainAtInvoke.get(invoked.op) ?? 0;
      certainAtInvoke.delete(invoked.op);
      const count = c.ticketCount ?? Number.POSITIVE_INFINITY;
      if (invoked.f === 'claim') {
        if (event.type === 'fail') {
          c.claimedPossible -= 1;
          if (event.value.reason === 'sold_out' && c.ticketCount !== undefined) {
            check(
              invoked,
              event,
              'tickets claimed (sold_out)',
              c.ticketCount,
              certainBefore,
              c.claimedPossible,
            );
          }
        }
        if (event.type !== 'ok') return;
        c.claimedCertain += 1;
        const number = num(event.value.ticketNumber);
        const before = c.claimedBy.get(number);
        c.claimedBy.set(number, invoked.op);
        check(invoked, event, `ticket number`, number, 1, count);
        check(
          invoked,
          event,
          `claims of ticket ${number}${before === undefined ? '' : ` (also op ${before})`}`,
          before === undefined ? 1 : 2,
          0,
          1,
        );
        return;
      }
      if (invoked.f === 'get' && event.type === 'ok') {
        c.ticketCount ??= num(event.value.ticketCount);
        check(
          invoked,
          event,
          'ticketsClaimed',
          num(event.value.ticketsClaimed),
          certainBefore,
          Math.min(c.claimedPossible, c.ticketCount ?? Number.POSITIVE_INFINITY),
        );
      }
    },
  };
}
