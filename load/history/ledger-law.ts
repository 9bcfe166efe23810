/**
 * The ledger kind's conservation law: on every read of a whole raffle, tickets issued − tickets
 * drawn = total tickets, and draws made = draw count.
 *
 * Whole-raffle reads are:
 * - a figures read (`getRaffle`): `totalTickets` and `drawCount`;
 * - the answer of an issue (`totalTickets` after it) and of a draw (`totalTicketsBefore` and its
 *   number), and a draw refused with `raffle_empty` (a total of 0);
 * - a one-page listing (no cursor in, `nextCursor: null` out): the sum of its balances, each of
 *   which must be positive;
 * - a listing walk (pages one client read in a row, first to last): the sum of its pages. A walk is
 *   not atomic — a transfer between a page already read and one still to come moves tickets the
 *   walk counts twice or never — so its bounds widen by the tickets of every transfer that
 *   overlapped it.
 *
 * With writers running, a read's figure is bounded rather than known. At a read invoked at time
 * s and completed at time e, the total lies between
 *   (tickets of issues answered ok before s) − (draws invoked before e, not refused)
 * and
 *   (tickets of issues invoked before e, not refused) − (draws answered ok before s),
 * and the draw count between the draws answered ok before s and those invoked before e and not
 * refused. An operation of unknown outcome counts as possible forever and certain never. A refusal
 * answered after e still counts as possible at e: the bounds stay sound, a little wider while
 * it is in flight. When nothing is in flight the bounds meet: the law holds exactly.
 *
 * The counters are running sums, so each event costs O(1): the checker is linear in the history.
 */
import { boundCheck, type ConservationLaw, type LawSink } from './conservation.js';
import type { CompleteEvent, InvokeEvent } from './events.js';

interface RaffleCounters {
  issuedCertain: number;
  issuedPossible: number;
  drawsCertain: number;
  drawsPossible: number;
  /** Tickets of transfers invoked, and of transfers completed (any outcome). */
  transferredInvoked: number;
  transferredDone: number;
}

/** The counters a read needs from its invocation. */
interface AtInvoke {
  issuedCertain: number;
  drawsCertain: number;
  transferredDone: number;
}

interface Walk {
  start: AtInvoke;
  sum: number;
  pages: number;
  nextPage: number;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

export function ledgerLaw(sink: LawSink): ConservationLaw {
  const raffles = new Map<string, RaffleCounters>();
  const atInvoke = new Map<number, AtInvoke>();
  const walks = new Map<string, Walk>();

  const countersOf = (raffle: string): RaffleCounters => {
    let counters = raffles.get(raffle);
    if (counters === undefined) {
      counters = {
        issuedCertain: 0,
        issuedPossible: 0,
        drawsCertain: 0,
        drawsPossible: 0,
        transferredInvoked: 0,
        transferredDone: 0,
      };
      raffles.set(raffle, counters);
    }
    return counters;
  };

  const check = boundCheck(sink, 'ledger');

  /** Bounds of the total at a read: `extra` corrects for the reading operation itself. */
  const totalBounds = (
    c: RaffleCounters,
    start: AtInvoke,
    own: { issued?: number; drawn?: number } = {},
  ): [number, number] => [
    start.issuedCertain + (own.issued ?? 0) - (c.drawsPossible - (own.drawn ?? 0)),
    c.issuedPossible - start.drawsCertain,
  ];

  return {
    invoke(event) {
      const c = countersOf(event.raffle);
      atInvoke.set(event.op, {
        issuedCertain: c.issuedCertain,
        drawsCertain: c.drawsCertain,
        transferredDone: c.transferredDone,
      });
      if (event.f === 'issue') c.issuedPossible += num(event.value.count);
      else if (event.f === 'draw') c.drawsPossible += 1;
      else if (event.f === 'transfer') c.transferredInvoked += num(event.value.count);
    },

    complete(event, invoked) {
      const c = countersOf(invoked.raffle);
      const start = atInvoke.get(invoked.op) as AtInvoke;
      atInvoke.delete(invoked.op);
      const out = event.value;
      switch (invoked.f) {
        case 'issue': {
          const count = num(invoked.value.count);
          if (event.type === 'fail') c.issuedPossible -= count;
          if (event.type !== 'ok') return;
          c.issuedCertain += count;
          const [lower, upper] = totalBounds(c, start, { issued: count });
          check(
            invoked,
            event,
            'totalTickets after the issue',
            num(out.totalTickets),
            lower,
            upper,
          );
          return;
        }
        case 'draw': {
          if (event.type === 'fail') {
            c.drawsPossible -= 1;
            if (out.reason === 'raffle_empty') {
              const [lower, upper] = totalBounds(c, start);
              check(invoked, event, 'totalTickets (raffle_empty)', 0, lower, upper);
            }
            return;
          }
          if (event.type !== 'ok') return;
          c.drawsCertain += 1;
          const [lower, upper] = totalBounds(c, start, { drawn: 1 });
          check(invoked, event, 'totalTicketsBefore', num(out.totalTicketsBefore), lower, upper);
          check(invoked, event, 'drawId', num(out.drawId), start.drawsCertain + 1, c.drawsPossible);
          return;
        }
        case 'transfer':
          c.transferredDone += num(invoked.value.count);
          return;
        case 'getRaffle': {
          if (event.type !== 'ok') return;
          const [lower, upper] = totalBounds(c, start);
          check(invoked, event, 'totalTickets', num(out.totalTickets), lower, upper);
          check(
            invoked,
            event,
            'drawCount',
            num(out.drawCount),
            start.drawsCertain,
            c.drawsPossible,
          );
          return;
        }
        case 'listParticipants':
          completePage(invoked, event, c, start);
          return;
        default:
          return;
      }
    },
  };

  function completePage(
    invoked: InvokeEvent,
    event: CompleteEvent,
    c: RaffleCounters,
    start: AtInvoke,
  ): void {
    const key = `${invoked.raffle}\u0000${invoked.client}\u0000${String(invoked.value.walk)}`;
    const page = num(invoked.value.page);
    if (event.type !== 'ok') {
      walks.delete(key);
      return;
    }
    const out = event.value;
    const count = num(out.count);
    if (count > 0 && !(num(out.min) >= 1)) {
      check(invoked, event, 'smallest listed balance', num(out.min), 1, Number.POSITIVE_INFINITY);
    }
    let walk = walks.get(key);
    if (page === 0) {
      walk = { start, sum: 0, pages: 0, nextPage: 0 };
      walks.set(key, walk);
    }
    if (walk === undefined || walk.nextPage !== page) {
      // A page of a walk whose beginning is not in the history says nothing about the whole.
      walks.delete(key);
      return;
    }
    walk.sum += num(out.sum);
    walk.pages += 1;
    walk.nextPage += 1;
    if (out.nextCursor !== null) return;
    walks.delete(key);
    const [lower, upper] = totalBounds(c, walk.start);
    if (walk.pages === 1) {
      check(invoked, event, 'listed tickets (one page)', walk.sum, lower, upper);
      return;
    }
    const moved = c.transferredInvoked - walk.start.transferredDone;
    check(
      invoked,
      event,
      `listed tickets (walk of ${walk.pages} pages)`,
      walk.sum,
      lower - moved,
      upper + moved,
    );
  }
}
