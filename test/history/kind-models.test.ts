/**
 * The prize and campaign models on hand-written histories: each rule of the kinds, broken once,
 * is rejected, with the projection that proves it and a minimal failing window; the same
 * histories without the fault are linearizable, so each test could fail.
 */
import { describe, expect, it } from 'vitest';
import { checkLinearizability, formatViolation } from '../../load/history/linearizability.js';
import { HistoryBuilder } from '../support/history-builder.js';

const prize = { kind: 'prize', raffle: 'p' };
const campaign = { kind: 'campaign', raffle: 'c' };

/** A raffle of 2 tickets, created at 0, claimed by a0 and a1 one after the other. */
function soldOut(): HistoryBuilder {
  const h = new HistoryBuilder();
  h.op({ ...prize, client: 0, f: 'create', input: { ticketCount: 2 }, at: [0, 1], ok: {} });
  h.op({
    ...prize,
    client: 1,
    f: 'claim',
    input: { address: 'a0' },
    at: [2, 3],
    ok: { ticketNumber: 2 },
  });
  h.op({
    ...prize,
    client: 2,
    f: 'claim',
    input: { address: 'a1' },
    at: [4, 5],
    ok: { ticketNumber: 1 },
  });
  return h;
}

/** The one violation of a history, printed; its projection's name in words. */
function violation(h: HistoryBuilder): { seenAs: string | undefined; window: number[] } {
  const report = checkLinearizability(h.operations);
  expect(report.valid).toBe(false);
  const found = report.violations[0]!;
  console.log(formatViolation(found));
  return { seenAs: found.seenAs, window: (found.window ?? []).map((op) => op.op) };
}

describe('the prize model', () => {
  it('a sold-out raffle drawn once, read and verified is linearizable', () => {
    const h = soldOut();
    h.op({
      ...prize,
      client: 3,
      f: 'claim',
      input: { address: 'a2' },
      at: [6, 7],
      fail: 'sold_out',
    });
    h.op({ ...prize, client: 4, f: 'draw', at: [8, 9], ok: { winners: [2] } });
    h.op({
      ...prize,
      client: 1,
      f: 'verify',
      input: { ticketNumber: 2 },
      at: [10, 11],
      ok: { won: true, prize: 'p' },
    });
    h.op({
      ...prize,
      client: 5,
      f: 'get',
      at: [12, 13],
      ok: { ticketCount: 2, ticketsClaimed: 2, status: 'drawn' },
    });
    h.op({ ...prize, client: 6, f: 'draw', at: [14, 15], fail: 'already_drawn' });
    expect(checkLinearizability(h.operations).valid).toBe(true);
  });

  it('a ticket number claimed twice', () => {
    const h = new HistoryBuilder();
    h.op({ ...prize, client: 0, f: 'create', input: { ticketCount: 5 }, at: [0, 1], ok: {} });
    const claim = (client: number, at: number, ticketNumber: number) =>
      h.op({
        ...prize,
        client,
        f: 'claim',
        input: { address: `a${client}` },
        at: [at, at + 1],
        ok: { ticketNumber },
      });
    claim(1, 2, 2);
    claim(2, 4, 5);
    claim(3, 6, 2);
    expect(violation(h)).toEqual({ seenAs: 'ticket 2 alone', window: [1, 3] });
  });

  it('one address claiming twice', () => {
    const h = new HistoryBuilder();
    h.op({ ...prize, client: 0, f: 'create', input: { ticketCount: 5 }, at: [0, 1], ok: {} });
    h.op({
      ...prize,
      client: 1,
      f: 'claim',
      input: { address: 'a0' },
      at: [2, 3],
      ok: { ticketNumber: 4 },
    });
    h.op({
      ...prize,
      client: 2,
      f: 'claim',
      input: { address: 'a0' },
      at: [4, 5],
      ok: { ticketNumber: 1 },
    });
    expect(violation(h)).toEqual({ seenAs: 'address a0 alone', window: [1, 2] });
  });

  it('sold out while a ticket remains, and a draw before the raffle sold out', () => {
    const h = new HistoryBuilder();
    h.op({ ...prize, client: 0, f: 'create', input: { ticketCount: 2 }, at: [0, 1], ok: {} });
    h.op({
      ...prize,
      client: 1,
      f: 'claim',
      input: { address: 'a0' },
      at: [2, 3],
      ok: { ticketNumber: 2 },
    });
    h.op({
      ...prize,
      client: 2,
      f: 'claim',
      input: { address: 'a1' },
      at: [4, 5],
      fail: 'sold_out',
    });
    expect(violation(h).seenAs).toBe('the counts alone');
    const drawn = new HistoryBuilder();
    drawn.operations.push(...h.operations.slice(0, 2));
    drawn.op({ ...prize, client: 3, f: 'draw', at: [6, 7], ok: { winners: [2] } });
    expect(violation(drawn).seenAs).toBe('the counts alone');
  });

  it('a stale read of the tickets claimed, and winners read unlike those drawn', () => {
    const h = soldOut();
    h.op({
      ...prize,
      client: 3,
      f: 'get',
      at: [6, 7],
      ok: { ticketCount: 2, ticketsClaimed: 1, status: 'open' },
    });
    expect(violation(h)).toEqual({ seenAs: 'the counts alone', window: [1, 2, 3] });
    const w = soldOut();
    w.op({ ...prize, client: 3, f: 'draw', at: [6, 7], ok: { winners: [2] } });
    w.op({ ...prize, client: 4, f: 'winners', at: [8, 9], ok: { winners: [1] } });
    expect(violation(w).seenAs).toBe('the counts alone');
  });
});

/** A campaign whose prize `mug` may be won 2 times in all, once a day. */
function created(): HistoryBuilder {
  const h = new HistoryBuilder();
  h.op({
    ...campaign,
    client: 0,
    f: 'create',
    at: [0, 1],
    ok: { prizes: [{ id: 'mug', quotaTotal: 2, quotaDaily: 1 }] },
  });
  return h;
}

function draw(
  h: HistoryBuilder,
  at: number,
  phone: string,
  drawId: number,
  day: string,
  win?: string,
) {
  return h.op({
    ...campaign,
    client: drawId,
    f: 'draw',
    input: { phone },
    at: [at, at + 1],
    ok: {
      drawId,
      day,
      won: win !== undefined,
      prize: win === undefined ? null : { id: 'mug' },
      couponHash: win ?? null,
    },
  });
}

describe('the campaign model', () => {
  it('draws over two days, reads, a redemption and its refusal are linearizable', () => {
    const h = created();
    draw(h, 2, 'p0', 1, '2027-01-01', 'k1');
    draw(h, 4, 'p1', 2, '2027-01-01');
    h.op({
      ...campaign,
      client: 9,
      f: 'draw',
      input: { phone: 'p0' },
      at: [6, 7],
      fail: 'already_drawn_today',
    });
    draw(h, 8, 'p0', 3, '2027-01-02', 'k2');
    h.op({
      ...campaign,
      client: 9,
      f: 'redeem',
      input: { couponHash: 'k1' },
      at: [10, 11],
      ok: { drawId: 1, prize: { id: 'mug' } },
    });
    h.op({
      ...campaign,
      client: 9,
      f: 'redeem',
      input: { couponHash: 'k1' },
      at: [12, 13],
      fail: 'coupon_already_redeemed',
    });
    h.op({
      ...campaign,
      client: 9,
      f: 'phoneDraws',
      input: { phone: 'p0' },
      at: [14, 15],
      ok: { drawCount: 2 },
    });
    h.op({
      ...campaign,
      client: 9,
      f: 'get',
      at: [16, 17],
      ok: {
        day: '2027-01-02',
        drawCount: 3,
        phoneCount: 2,
        prizes: [{ id: 'mug', wonTotal: 2, wonToday: 1 }],
      },
    });
    expect(checkLinearizability(h.operations).valid).toBe(true);
  });

  it('a phone drawing twice on one day', () => {
    const h = created();
    draw(h, 2, 'p0', 1, '2027-01-01');
    draw(h, 4, 'p0', 2, '2027-01-01');
    expect(violation(h)).toEqual({ seenAs: 'phone p0 alone', window: [1, 2] });
  });

  it('a daily quota and a total quota exceeded', () => {
    const h = created();
    draw(h, 2, 'p0', 1, '2027-01-01', 'k1');
    draw(h, 4, 'p1', 2, '2027-01-01', 'k2');
    expect(violation(h)).toEqual({ seenAs: 'prize mug alone', window: [1, 2] });
    const t = created();
    draw(t, 2, 'p0', 1, '2027-01-01', 'k1');
    draw(t, 4, 'p0', 2, '2027-01-02', 'k2');
    draw(t, 6, 'p0', 3, '2027-01-03', 'k3');
    expect(violation(t).seenAs).toBe('prize mug alone');
  });

  it('a coupon redeemed twice, and refused as unknown after it was won', () => {
    const h = created();
    draw(h, 2, 'p0', 1, '2027-01-01', 'k1');
    const redeem = { ...campaign, client: 9, f: 'redeem', input: { couponHash: 'k1' } };
    h.op({ ...redeem, at: [4, 5], ok: { drawId: 1, prize: { id: 'mug' } } });
    h.op({ ...redeem, at: [6, 7], ok: { drawId: 1, prize: { id: 'mug' } } });
    expect(violation(h)).toEqual({ seenAs: 'coupon k1 alone', window: [2, 3] });
    const u = created();
    draw(u, 2, 'p0', 1, '2027-01-01', 'k1');
    u.op({ ...redeem, at: [4, 5], fail: 'coupon_not_found' });
    expect(violation(u).seenAs).toBe('coupon k1 alone');
  });

  it('a refusal for a phone that has not drawn, a day going back, a stale count', () => {
    const h = created();
    draw(h, 2, 'p1', 1, '2027-01-01');
    h.op({
      ...campaign,
      client: 9,
      f: 'draw',
      input: { phone: 'p0' },
      at: [4, 5],
      fail: 'already_drawn_today',
    });
    expect(violation(h).seenAs).toBe('phone p0 alone');
    const d = created();
    draw(d, 2, 'p0', 1, '2027-01-02');
    draw(d, 4, 'p1', 2, '2027-01-01');
    expect(violation(d).seenAs).toBe('the counters alone');
    const s = created();
    draw(s, 2, 'p0', 1, '2027-01-01');
    s.op({
      ...campaign,
      client: 9,
      f: 'get',
      at: [4, 5],
      ok: { day: '2027-01-01', drawCount: 0, phoneCount: 0, prizes: [] },
    });
    expect(violation(s)).toEqual({ seenAs: 'the counters alone', window: [1, 2] });
  });
});
