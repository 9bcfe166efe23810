/**
 * Synthetic histories of the prize and campaign kinds: random operations of a few clients run
 * against naive sequential models of the two kinds in simulated time, so each history is
 * linearizable by construction. Every operation is invoked, takes effect at one instant inside its
 * window and completes later; the naive model answers at that instant, as the service would
 * (condensed as the recorders condense). With probability `infoRate` the client never hears back,
 * and the operation took effect or not, at random. The naive models are written from the kinds'
 * rules (src/kinds/prize/prize-raffle.ts, src/kinds/campaign/campaign.ts), plainly, with no cells.
 */
import type { HistoryEvent } from '../../load/history/events.js';
import { seededRandom, type Random } from '../../load/history/random.js';

export interface SyntheticOptions {
  seed: number;
  clients: number;
  operations: number;
  infoRate?: number;
}

type Answer = { type: 'ok'; value: Record<string, unknown> } | { type: 'fail'; reason: string };
interface Planned {
  f: string;
  input: Record<string, unknown>;
  /** Applies the operation to the naive model at `atMs` and answers. */
  apply(atMs: number): Answer;
  /** Called when the client hears an `ok` (what a client learns only from an answer). */
  heard?(value: Record<string, unknown>): void;
}

/** The discrete-event simulation both kinds share: one pending event per client. */
function simulate(
  options: SyntheticOptions,
  kind: string,
  raffle: string,
  create: { input: Record<string, unknown>; output: Record<string, unknown> },
  next: (random: Random, client: number) => Planned,
  random: Random,
): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  let op = 0;
  events.push(
    { type: 'invoke', op, client: 0, kind, raffle, f: 'create', value: create.input, time: 0 },
    { type: 'ok', op, client: 0, value: create.output, time: 0.5 },
  );
  op += 1;
  const infoRate = options.infoRate ?? 0;
  type Pending = { time: number; client: number; stage: 'invoke' | 'effect' | 'complete' };
  const pending: Pending[] = [];
  const current = new Map<
    number,
    { op: number; planned: Planned; answer?: Answer; info: boolean }
  >();
  for (let client = 0; client < options.clients; client += 1) {
    pending.push({ time: 1 + random(), client, stage: 'invoke' });
  }
  let invoked = 0;
  while (pending.length > 0) {
    let at = 0;
    for (let i = 1; i < pending.length; i += 1) {
      if ((pending[i] as Pending).time < (pending[at] as Pending).time) at = i;
    }
    const event = pending.splice(at, 1)[0] as Pending;
    const { client, time } = event;
    if (event.stage === 'invoke') {
      if (invoked >= options.operations) continue;
      invoked += 1;
      const planned = next(random, client);
      const info = random() < infoRate;
      current.set(client, { op, planned, info });
      events.push({
        type: 'invoke',
        op,
        client,
        kind,
        raffle,
        f: planned.f,
        value: planned.input,
        time,
      });
      op += 1;
      pending.push({ time: time + random() * 2, client, stage: 'effect' });
    } else if (event.stage === 'effect') {
      const running = current.get(client)!;
      // An operation of unknown outcome took effect or not, at random.
      if (!running.info || random() < 0.5) running.answer = running.planned.apply(time);
      pending.push({ time: time + random() * 2, client, stage: 'complete' });
    } else {
      const running = current.get(client)!;
      const answer = running.answer;
      if (running.info || answer === undefined) {
        events.push({ type: 'info', op: running.op, client, value: { error: 'lost' }, time });
      } else if (answer.type === 'ok') {
        events.push({ type: 'ok', op: running.op, client, value: answer.value, time });
        running.planned.heard?.(answer.value);
      } else {
        const value = { reason: answer.reason, status: 409 };
        events.push({ type: 'fail', op: running.op, client, value, time });
      }
      pending.push({ time: time + random(), client, stage: 'invoke' });
    }
  }
  return events.sort((x, y) => x.time - y.time);
}

/** A prize raffle of `ticketCount` tickets and two prizes, claimed from `addresses` addresses. */
export function syntheticPrizeHistory(
  options: SyntheticOptions & { ticketCount?: number; addresses?: number },
): HistoryEvent[] {
  const random = seededRandom(options.seed);
  const ticketCount = options.ticketCount ?? 8;
  const addresses = options.addresses ?? 10;
  const free = Array.from({ length: ticketCount }, (_, i) => i + 1);
  const holders = new Set<string>();
  let winners: number[] | undefined;
  const held = new Map<number, number[]>();
  const next = (r: Random, client: number): Planned => {
    const choice = r();
    if (choice < 0.45) {
      const address = `a${Math.floor(r() * addresses)}`;
      return {
        f: 'claim',
        input: { address },
        apply: () => {
          if (holders.has(address)) return { type: 'fail', reason: 'already_participated' };
          if (free.length === 0) return { type: 'fail', reason: 'sold_out' };
          const ticketNumber = free.splice(Math.floor(r() * free.length), 1)[0] as number;
          holders.add(address);
          return { type: 'ok', value: { ticketNumber } };
        },
        heard: (value) =>
          held.set(client, [...(held.get(client) ?? []), value.ticketNumber as number]),
      };
    }
    if (choice < 0.55) {
      return {
        f: 'draw',
        input: {},
        apply: () => {
          if (winners !== undefined) return { type: 'fail', reason: 'already_drawn' };
          if (free.length > 0) return { type: 'fail', reason: 'tickets_remaining' };
          const pool = Array.from({ length: ticketCount }, (_, i) => i + 1);
          winners = [0, 1].map(() => pool.splice(Math.floor(r() * pool.length), 1)[0] as number);
          return { type: 'ok', value: { winners } };
        },
      };
    }
    if (choice < 0.7) {
      return {
        f: 'winners',
        input: {},
        apply: () =>
          winners === undefined
            ? { type: 'fail', reason: 'not_drawn' }
            : { type: 'ok', value: { winners } },
      };
    }
    const mine = held.get(client) ?? [];
    if (choice < 0.8 && mine.length > 0) {
      const ticketNumber = mine[Math.floor(r() * mine.length)] as number;
      return {
        f: 'verify',
        input: { ticketNumber },
        apply: () => {
          if (winners === undefined) return { type: 'fail', reason: 'not_drawn' };
          const won = winners.includes(ticketNumber);
          return { type: 'ok', value: { won, prize: won ? 'p' : null } };
        },
      };
    }
    return {
      f: 'get',
      input: {},
      apply: () => {
        const ticketsClaimed = ticketCount - free.length;
        const status = winners !== undefined ? 'drawn' : free.length === 0 ? 'sold_out' : 'open';
        return { type: 'ok', value: { ticketCount, ticketsClaimed, status } };
      },
    };
  };
  return simulate(
    options,
    'prize',
    'synthetic-prize',
    { input: { ticketCount, prizes: 2 }, output: { ticketCount } },
    next,
    random,
  );
}

const prizes = [
  { id: 'gold', probability: 0.2, quotaTotal: 3, quotaDaily: 100 },
  { id: 'silver', probability: 0.3, quotaTotal: 100, quotaDaily: 2 },
];

/** A campaign of two prizes (one short in total, one short each day) over a few simulated days. */
export function syntheticCampaignHistory(
  options: SyntheticOptions & { phones?: number; dayMs?: number },
): HistoryEvent[] {
  const random = seededRandom(options.seed);
  const phones = options.phones ?? 12;
  const dayMs = options.dayMs ?? 40;
  const firstDay = Date.UTC(2027, 0, 1);
  const dayOf = (atMs: number) => new Date(firstDay + Math.floor(atMs / dayMs) * 86_400_000);
  const text = (day: Date) => day.toISOString().slice(0, 10);
  let counterDay = '';
  let drawCount = 0;
  const lastDay = new Map<string, string>();
  const drawsOf = new Map<string, number>();
  const wonTotal = prizes.map(() => 0);
  const wonOn = new Map<string, number>();
  const coupons = new Map<string, { drawId: number; prize: string; redeemed: boolean }>();
  const wonBy = new Map<number, string[]>();
  let couponSerial = 0;
  const next = (r: Random, client: number): Planned => {
    const choice = r();
    const phone = `p${Math.floor(r() * phones)}`;
    if (choice < 0.45) {
      return {
        f: 'draw',
        input: { phone },
        apply: (atMs) => {
          const day = [text(dayOf(atMs)), counterDay].sort().at(-1) as string;
          if (lastDay.get(phone) === day) return { type: 'fail', reason: 'already_drawn_today' };
          if (day !== counterDay) counterDay = day;
          const u = r();
          let picked = -1;
          let edge = 0;
          prizes.forEach((prize, i) => {
            if (picked === -1 && u < (edge += prize.probability)) picked = i;
          });
          const prize = prizes[picked];
          const won =
            prize !== undefined &&
            (wonTotal[picked] as number) < prize.quotaTotal &&
            (wonOn.get(`${prize.id}|${day}`) ?? 0) < prize.quotaDaily;
          drawCount += 1;
          lastDay.set(phone, day);
          drawsOf.set(phone, (drawsOf.get(phone) ?? 0) + 1);
          let couponHash: string | null = null;
          if (won) {
            wonTotal[picked] = (wonTotal[picked] as number) + 1;
            wonOn.set(`${prize.id}|${day}`, (wonOn.get(`${prize.id}|${day}`) ?? 0) + 1);
            couponSerial += 1;
            couponHash = `c${couponSerial}`;
            coupons.set(couponHash, { drawId: drawCount, prize: prize.id, redeemed: false });
          }
          return {
            type: 'ok',
            value: {
              drawId: drawCount,
              day,
              won,
              prize: won ? { id: prize.id } : null,
              couponHash,
            },
          };
        },
        heard: (value) => {
          if (typeof value.couponHash === 'string') {
            wonBy.set(client, [...(wonBy.get(client) ?? []), value.couponHash]);
          }
        },
      };
    }
    const mine = wonBy.get(client) ?? [];
    if (choice < 0.65 && mine.length > 0) {
      const couponHash = mine[Math.floor(r() * mine.length)] as string;
      return {
        f: 'redeem',
        input: { couponHash },
        apply: () => {
          const coupon = coupons.get(couponHash);
          if (coupon === undefined) return { type: 'fail', reason: 'coupon_not_found' };
          if (coupon.redeemed) return { type: 'fail', reason: 'coupon_already_redeemed' };
          coupon.redeemed = true;
          return { type: 'ok', value: { drawId: coupon.drawId, prize: { id: coupon.prize } } };
        },
      };
    }
    if (choice < 0.75) {
      return {
        f: 'phoneDraws',
        input: { phone },
        apply: () => ({ type: 'ok', value: { drawCount: drawsOf.get(phone) ?? 0 } }),
      };
    }
    return {
      f: 'get',
      input: {},
      apply: (atMs) => {
        const day = [text(dayOf(atMs)), counterDay].sort().at(-1) as string;
        return {
          type: 'ok',
          value: {
            day,
            drawCount,
            phoneCount: drawsOf.size,
            prizes: prizes.map((prize, i) => ({
              id: prize.id,
              quotaTotal: prize.quotaTotal,
              quotaDaily: prize.quotaDaily,
              wonTotal: wonTotal[i],
              wonToday: day === counterDay ? (wonOn.get(`${prize.id}|${day}`) ?? 0) : 0,
            })),
          },
        };
      },
    };
  };
  const created = prizes.map(({ id, quotaTotal, quotaDaily }) => ({ id, quotaTotal, quotaDaily }));
  return simulate(
    options,
    'campaign',
    'synthetic-campaign',
    { input: { prizes: prizes.length }, output: { prizes: created } },
    next,
    random,
  );
}
