/**
 * The prize and campaign models on hand-written histories: each rule of the kinds, broken once,
 * is rejected, with the projection that proves it and a minimal failing window; the same
 * histories without the fault are linearizable, so each test could fail.
 */
import { describe, expect, it } from 'vitest';
import { checkLinearizability, formatViolation } from '../../load/history/linearizability.js';
import { HistoryBuilder, type OperationSpec } from '../support/history-builder.js';

/** What an operation's spec adds to its client, function and start: its input and outcome. */
type Rest = Pick<OperationSpec, 'input' | 'ok' | 'fail'>;

/** An operation on the prize raffle `p` by `client`, invoked at `at` and answered 1 ms later. */
function prizeOp(h: HistoryBuilder, client: number, f: string, at: number, rest: Rest): number {
  return h.op({ kind: 'prize', raffle: 'p', client, f, at: [at, at + 1], ...rest });
}

/** A claim of the prize raffle by address `a<client>` unless another address is given. */
function claim(h: HistoryBuilder, client: number, at: number, rest: Rest, address?: string) {
  return prizeOp(h, client, 'claim', at, { input: { address: address ?? `a${client}` }, ...rest });
}

/** A raffle of 2 tickets, created at 0, claimed by a0 and a1 one after the other. */
function soldOut(): HistoryBuilder {
  const h = new HistoryBuilder();
  prizeOp(h, 0, 'create', 0, { input: { ticketCount: 2 }, ok: {} });
  claim(h, 1, 2, { ok: { ticketNumber: 2 } }, 'a0');
  claim(h, 2, 4, { ok: { ticketNumber: 1 } }, 'a1');
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
    claim(h, 3, 6, { fail: 'sold_out' }, 'a2');
    prizeOp(h, 4, 'draw', 8, { ok: { winners: [2] } });
    prizeOp(h, 1, 'verify', 10, { input: { ticketNumber: 2 }, ok: { won: true, prize: 'p' } });
    prizeOp(h, 5, 'get', 12, { ok: { ticketCount: 2, ticketsClaimed: 2, status: 'drawn' } });
    prizeOp(h, 6, 'draw', 14, { fail: 'already_drawn' });
    expect(checkLinearizability(h.operations).valid).toBe(true);
  });

  it('a ticket number claimed twice', () => {
    const h = new HistoryBuilder();
    prizeOp(h, 0, 'create', 0, { input: { ticketCount: 5 }, ok: {} });
    claim(h, 1, 2, { ok: { ticketNumber: 2 } });
    claim(h, 2, 4, { ok: { ticketNumber: 5 } });
    claim(h, 3, 6, { ok: { ticketNumber: 2 } });
    expect(violation(h)).toEqual({ seenAs: 'ticket 2 alone', window: [1, 3] });
  });

  it('one address claiming twice', () => {
    const h = new HistoryBuilder();
    prizeOp(h, 0, 'create', 0, { input: { ticketCount: 5 }, ok: {} });
    claim(h, 1, 2, { ok: { ticketNumber: 4 } }, 'a0');
    claim(h, 2, 4, { ok: { ticketNumber: 1 } }, 'a0');
    expect(violation(h)).toEqual({ seenAs: 'address a0 alone', window: [1, 2] });
  });

  it('sold out while a ticket remains, and a draw before the raffle sold out', () => {
    const h = new HistoryBuilder();
    prizeOp(h, 0, 'create', 0, { input: { ticketCount: 2 }, ok: {} });
    claim(h, 1, 2, { ok: { ticketNumber: 2 } }, 'a0');
    claim(h, 2, 4, { fail: 'sold_out' }, 'a1');
    expect(violation(h).seenAs).toBe('the counts alone');
    const drawn = new HistoryBuilder();
    drawn.operations.push(...h.operations.slice(0, 2));
    prizeOp(drawn, 3, 'draw', 6, { ok: { winners: [2] } });
    expect(violation(drawn).seenAs).toBe('the counts alone');
  });

  it('a stale read of the tickets claimed, and winners read unlike those drawn', () => {
    const h = soldOut();
    prizeOp(h, 3, 'get', 6, { ok: { ticketCount: 2, ticketsClaimed: 1, status: 'open' } });
    expect(violation(h)).toEqual({ seenAs: 'the counts alone', window: [1, 2, 3] });
    const w = soldOut();
    prizeOp(w, 3, 'draw', 6, { ok: { winners: [2] } });
    prizeOp(w, 4, 'winners', 8, { ok: { winners: [1] } });
    expect(violation(w).seenAs).toBe('the counts alone');
  });
});

/** An operation on the campaign `c` by `client`, invoked at `at` and answered 1 ms later. */
function campaignOp(h: HistoryBuilder, client: number, f: string, at: number, rest: Rest): number {
  return h.op({ kind: 'campaign', raffle: 'c', client, f, at: [at, at + 1], ...rest });
}

/** The same, by the campaign's operator (client 9). */
function operator(h: HistoryBuilder, f: string, at: number, rest: Rest): number {
  return campaignOp(h, 9, f, at, rest);
}

/** A campaign whose prize `mug` may be won 2 times in all, once a day. */
function created(): HistoryBuilder {
  const h = new HistoryBuilder();
  campaignOp(h, 0, 'create', 0, { ok: { prizes: [{ id: 'mug', quotaTotal: 2, quotaDaily: 1 }] } });
  return h;
}

/** A draw answered with `drawId` on `day`; it won the mug with coupon hash `win`, if given. */
function draw(
  h: HistoryBuilder,
  at: number,
  phone: string,
  drawId: number,
  day: string,
  win?: string,
) {
  return campaignOp(h, drawId, 'draw', at, {
    input: { phone },
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
    operator(h, 'draw', 6, { input: { phone: 'p0' }, fail: 'already_drawn_today' });
    draw(h, 8, 'p0', 3, '2027-01-02', 'k2');
    operator(h, 'redeem', 10, {
      input: { couponHash: 'k1' },
      ok: { drawId: 1, prize: { id: 'mug' } },
    });
    operator(h, 'redeem', 12, { input: { couponHash: 'k1' }, fail: 'coupon_already_redeemed' });
    operator(h, 'phoneDraws', 14, { input: { phone: 'p0' }, ok: { drawCount: 2 } });
    const prizes = [{ id: 'mug', wonTotal: 2, wonToday: 1 }];
    operator(h, 'get', 16, { ok: { day: '2027-01-02', drawCount: 3, phoneCount: 2, prizes } });
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
    const k1 = { couponHash: 'k1' };
    operator(h, 'redeem', 4, { input: k1, ok: { drawId: 1, prize: { id: 'mug' } } });
    operator(h, 'redeem', 6, { input: k1, ok: { drawId: 1, prize: { id: 'mug' } } });
    expect(violation(h)).toEqual({ seenAs: 'coupon k1 alone', window: [2, 3] });
    const u = created();
    draw(u, 2, 'p0', 1, '2027-01-01', 'k1');
    operator(u, 'redeem', 4, { input: k1, fail: 'coupon_not_found' });
    expect(violation(u).seenAs).toBe('coupon k1 alone');
  });

  it('a refusal for a phone that has not drawn, a day going back, a stale count', () => {
    const h = created();
    draw(h, 2, 'p1', 1, '2027-01-01');
    operator(h, 'draw', 4, { input: { phone: 'p0' }, fail: 'already_drawn_today' });
    expect(violation(h).seenAs).toBe('phone p0 alone');
    const d = created();
    draw(d, 2, 'p0', 1, '2027-01-02');
    draw(d, 4, 'p1', 2, '2027-01-01');
    expect(violation(d).seenAs).toBe('the counters alone');
    const s = created();
    draw(s, 2, 'p0', 1, '2027-01-01');
    operator(s, 'get', 4, { ok: { day: '2027-01-01', drawCount: 0, phoneCount: 0, prizes: [] } });
    expect(violation(s)).toEqual({ seenAs: 'the counters alone', window: [1, 2] });
  });
});
