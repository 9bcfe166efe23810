/**
 * The conservation checker: the ledger's law (issued − drawn = total on every whole-raffle read)
 * on hand-written histories, with the bounds concurrency allows; a million-operation synthetic
 * history, valid and with planted anomalies (first and worst reported); and the hooks for the
 * prize and campaign kinds.
 */
import { describe, expect, it } from 'vitest';
import { checkConservation, formatAnomaly } from '../../load/history/conservation.js';
import type { HistoryEvent } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { syntheticLedgerHistory } from '../../load/history/synthetic-ledger.js';
import { HistoryBuilder } from '../support/history-builder.js';

const check = (h: HistoryBuilder) => checkConservation(h.events(), conservationLaws);
const issue = (username: string, count: number) => ({ f: 'issue', input: { username, count } });
const figures = (totalTickets: number, drawCount = 0) => ({
  totalTickets,
  participantCount: 1,
  drawCount,
});

describe('conservation: the ledger law', () => {
  it('sequential: issues, a transfer, a draw and every whole-raffle read agree', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 5), at: [0, 1], ok: { tickets: 5, totalTickets: 5 } });
    h.op({ client: 0, ...issue('bob', 2), at: [2, 3], ok: { tickets: 2, totalTickets: 7 } });
    h.op({
      client: 0,
      f: 'transfer',
      input: { from: 'ann', to: 'bob', count: 1 },
      at: [4, 5],
      ok: { fromTickets: 4, toTickets: 3 },
    });
    h.op({
      client: 0,
      f: 'draw',
      at: [6, 7],
      ok: { drawId: 1, username: 'bob', ticketsLeft: 2, totalTicketsBefore: 7 },
    });
    h.op({ client: 0, f: 'getRaffle', at: [8, 9], ok: figures(6, 1) });
    h.op({
      client: 0,
      f: 'listParticipants',
      input: { limit: 1000, walk: 1, page: 0 },
      at: [10, 11],
      ok: { count: 2, sum: 6, min: 2, nextCursor: null },
    });
    const report = check(h);
    expect(report.valid).toBe(true);
    // Two issue answers, the draw's total and number, the figures' total and count, the listing.
    expect(report.reads).toBe(7);
  });

  it('a read overlapping an issue may count it or not; one after it must', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 5), at: [0, 10], ok: { tickets: 5, totalTickets: 5 } });
    h.op({ client: 1, f: 'getRaffle', at: [1, 2], ok: figures(0) });
    h.op({ client: 2, f: 'getRaffle', at: [3, 4], ok: figures(5) });
    expect(check(h).valid).toBe(true);
    h.op({ client: 1, f: 'getRaffle', at: [11, 12], ok: figures(0) });
    const report = check(h);
    expect(report.anomalies).toBe(1);
    expect(report.first).toMatchObject({
      op: 3,
      quantity: 'totalTickets',
      observed: 0,
      lower: 5,
      upper: 5,
      deviation: 5,
    });
    expect(formatAnomaly(report.first!)).toContain('read totalTickets = 0, expected 5 (off by 5)');
  });

  it('an issue of unknown outcome may count forever; a refused one stops counting', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 5), at: [0, 1], info: true });
    h.op({ client: 1, ...issue('bob', 2), at: [0, 1], fail: 'queue_full' });
    for (const [at, total] of [
      [10, 0],
      [20, 5],
    ] as const) {
      h.op({ client: 2, f: 'getRaffle', at: [at, at + 1], ok: figures(total) });
    }
    expect(check(h).valid).toBe(true);
    h.op({ client: 2, f: 'getRaffle', at: [30, 31], ok: figures(7) });
    expect(check(h).first).toMatchObject({ observed: 7, lower: 0, upper: 5 });
  });

  it('draws: counted in the draw count, and raffle_empty is a read of a zero total', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, f: 'draw', at: [0, 1], fail: 'raffle_empty' });
    h.op({ client: 0, ...issue('ann', 1), at: [2, 3], ok: { tickets: 1, totalTickets: 1 } });
    h.op({ client: 1, f: 'draw', at: [4, 5], fail: 'raffle_empty' });
    h.op({ client: 0, f: 'getRaffle', at: [6, 7], ok: figures(1, 3) });
    const report = check(h);
    expect(report.anomalies).toBe(2);
    expect(report.first).toMatchObject({
      op: 2,
      quantity: 'totalTickets (raffle_empty)',
      lower: 1,
    });
    expect(report.worst).toMatchObject({ quantity: 'drawCount', observed: 3, upper: 0 });
  });

  it('listings: a one-page listing is exact, a walk is allowed the tickets transfers moved', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 5), at: [0, 1], ok: { tickets: 5, totalTickets: 5 } });
    h.op({ client: 0, ...issue('bob', 5), at: [2, 3], ok: { tickets: 5, totalTickets: 10 } });
    // A walk of two pages while 3 tickets move from Bob (not read yet) to Ann (read already).
    h.op({
      client: 1,
      f: 'listParticipants',
      input: { limit: 1, walk: 1, page: 0 },
      at: [10, 11],
      ok: { count: 1, sum: 5, min: 5, nextCursor: '1' },
    });
    h.op({
      client: 2,
      f: 'transfer',
      input: { from: 'bob', to: 'ann', count: 3 },
      at: [11, 13],
      ok: { fromTickets: 2, toTickets: 8 },
    });
    h.op({
      client: 1,
      f: 'listParticipants',
      input: { limit: 1, cursor: '1', walk: 1, page: 1 },
      at: [12, 14],
      ok: { count: 1, sum: 2, min: 2, nextCursor: null },
    });
    expect(check(h).valid).toBe(true);
    // A single page has no such excuse, and no listed balance may be zero.
    h.op({
      client: 1,
      f: 'listParticipants',
      input: { limit: 1000, walk: 2, page: 0 },
      at: [20, 21],
      ok: { count: 2, sum: 7, min: 0, nextCursor: null },
    });
    const report = check(h);
    expect(report.anomalies).toBe(2);
    expect(report.first?.quantity).toBe('smallest listed balance');
    expect(report.worst).toMatchObject({
      quantity: 'listed tickets (one page)',
      observed: 7,
      lower: 10,
    });
  });
});

/** Alters the output of the n-th figures read of a history stream. */
function* planting(
  events: Iterable<HistoryEvent>,
  changes: Map<number, number>,
  planted: number[],
): Generator<HistoryEvent> {
  const figuresReads = new Set<number>();
  let seen = 0;
  for (const event of events) {
    if (event.type === 'invoke' && event.f === 'getRaffle') figuresReads.add(event.op);
    if (event.type === 'ok' && figuresReads.has(event.op)) {
      seen += 1;
      const change = changes.get(seen);
      if (change !== undefined) {
        planted.push(event.op);
        const total = event.value.totalTickets as number;
        yield { ...event, value: { ...event.value, totalTickets: total + change } };
        continue;
      }
    }
    yield event;
  }
}

describe('conservation: a million operations', () => {
  const synthetic = () =>
    syntheticLedgerHistory({ seed: 77, clients: 64, operations: 1_000_000, infoRate: 0.0005 });

  it('a synthetic history of 10^6 operations from 64 clients is valid; planted anomalies are found', () => {
    const planted: number[] = [];
    // Far outside any bounds: a total 10^9 off is not explained by a few operations in flight.
    const report = checkConservation(
      planting(
        synthetic(),
        new Map([
          [20_000, 1_000_000_000],
          [60_000, -2_000_000_000],
        ]),
        planted,
      ),
      conservationLaws,
    );
    expect(report.operations).toBe(1_000_000);
    expect(planted).toHaveLength(2);
    expect(report.anomalies).toBe(2);
    expect(report.first?.op).toBe(planted[0]);
    expect(report.worst?.op).toBe(planted[1]);
    expect(report.reads).toBeGreaterThan(500_000);
  });
});

describe('conservation: the laws of the prize and campaign kinds', () => {
  it('prize: no ticket number claimed twice, none out of range, claims counted', () => {
    const h = new HistoryBuilder();
    const prize = { kind: 'prize', raffle: 'p' };
    h.op({ ...prize, client: 0, f: 'create', input: { ticketCount: 3 }, at: [0, 1], ok: {} });
    h.op({ ...prize, client: 1, f: 'claim', at: [2, 3], ok: { ticketNumber: 2 } });
    h.op({ ...prize, client: 2, f: 'claim', at: [2, 4], ok: { ticketNumber: 3 } });
    h.op({ ...prize, client: 3, f: 'get', at: [5, 6], ok: { ticketCount: 3, ticketsClaimed: 2 } });
    expect(check(h).valid).toBe(true);
    h.op({ ...prize, client: 4, f: 'claim', at: [7, 8], ok: { ticketNumber: 2 } });
    h.op({ ...prize, client: 5, f: 'claim', at: [9, 10], ok: { ticketNumber: 4 } });
    h.op({
      ...prize,
      client: 3,
      f: 'get',
      at: [11, 12],
      ok: { ticketCount: 3, ticketsClaimed: 1 },
    });
    const report = check(h);
    expect(report.anomalies).toBe(3);
    expect(report.first?.quantity).toBe('claims of ticket 2 (also op 1)');
    expect(report.worst?.quantity).toBe('ticketsClaimed');
  });

  it('campaign: wins never pass the total or the daily quota', () => {
    const h = new HistoryBuilder();
    const campaign = { kind: 'campaign', raffle: 'c' };
    h.op({
      ...campaign,
      client: 0,
      f: 'create',
      at: [0, 1],
      ok: { prizes: [{ id: 'mug', quotaTotal: 3, quotaDaily: 1 }] },
    });
    const draw = (client: number, at: number, day: string) =>
      h.op({
        ...campaign,
        client,
        f: 'draw',
        at: [at, at + 1],
        ok: { won: true, prize: { id: 'mug' }, day },
      });
    draw(1, 2, '2026-01-01');
    draw(2, 4, '2026-01-02');
    expect(check(h).valid).toBe(true);
    draw(3, 6, '2026-01-02');
    draw(4, 8, '2026-01-03');
    draw(5, 10, '2026-01-04');
    const report = check(h);
    expect(report.anomalies).toBe(3);
    expect(report.first?.quantity).toBe('wins of prize mug on 2026-01-02');
    expect(report.worst).toMatchObject({ quantity: 'wins of prize mug', observed: 5, upper: 3 });
  });

  it('campaign: a read of the counters past the daily quota, or behind the wins answered', () => {
    const h = new HistoryBuilder();
    const campaign = { kind: 'campaign', raffle: 'c' };
    const quota = { id: 'mug', quotaTotal: 3, quotaDaily: 1 };
    h.op({ ...campaign, client: 0, f: 'create', at: [0, 1], ok: { prizes: [quota] } });
    for (const [at, day] of [
      [2, '2026-01-01'],
      [2.5, '2026-01-02'],
      [3, '2026-01-03'],
    ] as const) {
      h.op({
        ...campaign,
        client: 1,
        f: 'draw',
        at: [at, at + 0.2],
        ok: { won: true, prize: { id: 'mug' }, day },
      });
    }
    const read = (at: number, wonTotal: number, wonToday: number) =>
      h.op({
        ...campaign,
        client: 2,
        f: 'get',
        at: [at, at + 1],
        ok: { prizes: [{ ...quota, wonTotal, wonToday }] },
      });
    read(4, 3, 1);
    expect(check(h).valid).toBe(true);
    const pastDaily = read(6, 3, 2);
    const behind = read(8, 0, 0);
    const report = check(h);
    expect(report.anomalies).toBe(2);
    expect(report.first).toMatchObject({ op: pastDaily, quantity: 'wonToday of prize mug' });
    expect(report.worst).toMatchObject({ op: behind, quantity: 'wonTotal of prize mug', lower: 3 });
  });

  it('kinds without a law are counted and named', () => {
    const h = new HistoryBuilder();
    h.op({ kind: 'lottery', client: 0, f: 'buy', at: [0, 1], ok: {} });
    const report = check(h);
    expect(report.valid).toBe(true);
    expect(report.skippedKinds).toEqual(['lottery']);
    expect(report.operationsByKind).toEqual({ lottery: 1 });
  });
});
