/**
 * The linearizability checker on small hand-written histories of the ledger kind: orders that
 * only concurrency explains, violations of real time, refusals the state did not allow, stale
 * reads, operations of unknown outcome, and the minimal failing window it prints.
 */
import { describe, expect, it } from 'vitest';
import { HashSet128 } from '../../load/history/hash-set-128.js';
import { checkLinearizability, formatViolation } from '../../load/history/linearizability.js';
import { HistoryBuilder } from '../support/history-builder.js';

const issue = (username: string, count: number) => ({ f: 'issue', input: { username, count } });
const read = (username: string) => ({ f: 'getParticipant', input: { username } });
const transfer = (from: string, to: string, count: number) => ({
  f: 'transfer',
  input: { from, to, count },
});

function check(history: HistoryBuilder, options = {}) {
  return checkLinearizability(history.operations, options);
}

describe('linearizability: valid histories', () => {
  it('sequential: issue, read, transfer, draw and figures in order', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 5), at: [0, 1], ok: { tickets: 5, totalTickets: 5 } });
    h.op({ client: 0, ...read('ann'), at: [2, 3], ok: { tickets: 5 } });
    h.op({
      client: 0,
      ...transfer('ann', 'bob', 2),
      at: [4, 5],
      ok: { fromTickets: 3, toTickets: 2 },
    });
    h.op({
      client: 0,
      f: 'draw',
      at: [6, 7],
      ok: { drawId: 1, username: 'ann', ticketsLeft: 2, totalTicketsBefore: 5 },
    });
    h.op({
      client: 0,
      f: 'getRaffle',
      at: [8, 9],
      ok: { totalTickets: 4, participantCount: 2, drawCount: 1 },
    });
    h.op({ client: 0, ...read('cat'), at: [10, 11], fail: 'participant_not_found' });
    const report = check(h);
    expect(report.valid).toBe(true);
    expect(report.checked).toBe(6);
  });

  it('concurrent issues whose answers put the later invocation first', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 3), at: [0, 10], ok: { tickets: 7, totalTickets: 7 } });
    h.op({ client: 1, ...issue('ann', 4), at: [1, 5], ok: { tickets: 4, totalTickets: 4 } });
    expect(check(h).valid).toBe(true);
  });

  it('a read overlapping a write may see either side of it', () => {
    for (const seen of [2, 5]) {
      const h = new HistoryBuilder();
      h.op({ client: 0, ...issue('ann', 2), at: [0, 1], ok: { tickets: 2, totalTickets: 2 } });
      h.op({ client: 0, ...issue('ann', 3), at: [2, 6], ok: { tickets: 5, totalTickets: 5 } });
      h.op({ client: 1, ...read('ann'), at: [3, 4], ok: { tickets: seen } });
      expect(check(h).valid, `read of ${seen}`).toBe(true);
    }
  });

  it('refusals that the state allowed', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, f: 'draw', at: [0, 1], fail: 'raffle_empty' });
    h.op({ client: 0, ...transfer('ann', 'bob', 1), at: [2, 3], fail: 'participant_not_found' });
    h.op({ client: 0, ...issue('ann', 2), at: [4, 5], ok: { tickets: 2, totalTickets: 2 } });
    h.op({ client: 0, ...transfer('ann', 'bob', 3), at: [6, 7], fail: 'insufficient_tickets' });
    expect(check(h).valid).toBe(true);
  });

  it('a refusal that says nothing about the state (queue full) is left out', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 2), at: [0, 1], fail: 'queue_full' });
    h.op({ client: 0, ...read('ann'), at: [2, 3], fail: 'participant_not_found' });
    const report = check(h);
    expect(report.valid).toBe(true);
    expect(report.checked).toBe(1);
  });

  it('without fresh raffles, the starting balances are unknown', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...read('ann'), at: [0, 1], ok: { tickets: 7 } });
    h.op({ client: 0, ...issue('ann', 1), at: [2, 3], ok: { tickets: 8, totalTickets: 100 } });
    expect(check(h, { freshRaffles: false }).valid).toBe(true);
    expect(check(h).valid).toBe(false);
  });

  it('raffles are checked apart', () => {
    const h = new HistoryBuilder();
    h.op({
      client: 0,
      ...issue('ann', 2),
      raffle: 'a',
      at: [0, 1],
      ok: { tickets: 2, totalTickets: 2 },
    });
    h.op({
      client: 1,
      ...issue('ann', 3),
      raffle: 'b',
      at: [0, 1],
      ok: { tickets: 3, totalTickets: 3 },
    });
    const report = check(h);
    expect(report.valid).toBe(true);
    expect(report.partitions.map((p) => p.raffle).sort()).toEqual(['a', 'b']);
  });
});

describe('linearizability: violations', () => {
  it('real time: an issue invoked after another completed cannot have come first', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 3), at: [0, 10], ok: { tickets: 7, totalTickets: 7 } });
    h.op({ client: 1, ...issue('ann', 4), at: [11, 12], ok: { tickets: 4, totalTickets: 4 } });
    // From any start, the two answers contradict each other in this order.
    const anyStart = check(h, { freshRaffles: false });
    expect(anyStart.valid).toBe(false);
    expect(anyStart.violations[0]?.window?.map((op) => op.op)).toEqual([0, 1]);
    expect(anyStart.violations[0]?.windowFromStart).toBe(false);
    // From the empty start, the first answer alone is impossible.
    const fresh = check(h);
    expect(fresh.violations[0]?.window?.map((op) => op.op)).toEqual([0]);
    expect(fresh.violations[0]?.windowFromStart).toBe(true);
  });

  it('a stale read: the minimal window is the write and the read, printed with the culprit', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 2), at: [0, 1], ok: { tickets: 2, totalTickets: 2 } });
    // Noise on other participants, before, during and after.
    h.op({ client: 1, ...issue('bob', 1), at: [0, 3], ok: { tickets: 1, totalTickets: 3 } });
    h.op({ client: 0, ...issue('ann', 3), at: [2, 4], ok: { tickets: 5, totalTickets: 6 } });
    h.op({ client: 1, ...issue('cat', 1), at: [4, 9], ok: { tickets: 1, totalTickets: 7 } });
    h.op({ client: 2, ...read('bob'), at: [5, 6], ok: { tickets: 1 } });
    const stale = h.op({ client: 2, ...read('ann'), at: [7, 8], ok: { tickets: 2 } });
    h.op({ client: 0, ...read('ann'), at: [10, 11], ok: { tickets: 5 } });
    const report = check(h);
    expect(report.valid).toBe(false);
    const violation = report.violations[0];
    expect(violation?.provenOn).toBe('ann');
    expect(violation?.blocked?.op).toBe(stale);
    expect(violation?.window?.map((op) => op.op)).toEqual([2, stale]);
    const text = formatViolation(violation!);
    expect(text).toContain('participant ann alone');
    expect(text).toContain(`* op ${stale} client 2`);
    expect(text.split('\n').filter((line) => line.includes(' op '))).toHaveLength(2);
  });

  it('a refusal the state did not allow', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 5), at: [0, 1], ok: { tickets: 5, totalTickets: 5 } });
    h.op({ client: 0, ...transfer('ann', 'bob', 3), at: [2, 3], fail: 'insufficient_tickets' });
    expect(check(h).valid).toBe(false);
    const empty = new HistoryBuilder();
    empty.op({ client: 0, ...issue('ann', 5), at: [0, 1], ok: { tickets: 5, totalTickets: 5 } });
    empty.op({ client: 1, f: 'draw', at: [2, 3], fail: 'raffle_empty' });
    expect(check(empty).violations[0]?.provenOn).toBe('totals');
  });

  it('a draw whose winner held no ticket', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 5), at: [0, 1], ok: { tickets: 5, totalTickets: 5 } });
    h.op({
      client: 0,
      f: 'draw',
      at: [2, 3],
      ok: { drawId: 1, username: 'bob', ticketsLeft: 0, totalTicketsBefore: 5 },
    });
    expect(check(h).valid).toBe(false);
  });

  it('a transfer that conserves each balance but not both (needs the whole raffle)', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 5), at: [0, 1], ok: { tickets: 5, totalTickets: 5 } });
    h.op({ client: 0, ...issue('bob', 5), at: [2, 3], ok: { tickets: 5, totalTickets: 10 } });
    // Ann's balances say the first transfer came first, Bob's that the second did.
    h.op({
      client: 1,
      ...transfer('ann', 'bob', 1),
      at: [4, 9],
      ok: { fromTickets: 4, toTickets: 5 },
    });
    h.op({
      client: 2,
      ...transfer('bob', 'ann', 1),
      at: [4, 9],
      ok: { fromTickets: 4, toTickets: 5 },
    });
    const report = check(h);
    expect(report.valid).toBe(false);
    expect(report.violations[0]?.provenOn).toBe('raffle');
  });
});

describe('linearizability: operations of unknown outcome (info)', () => {
  const base = (): HistoryBuilder => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...issue('ann', 5), at: [0, 1], ok: { tickets: 5, totalTickets: 5 } });
    h.op({ client: 1, ...issue('ann', 3), at: [2, 3], info: true });
    return h;
  };

  it('may have taken effect', () => {
    const h = base();
    h.op({ client: 2, ...read('ann'), at: [10, 11], ok: { tickets: 8 } });
    expect(check(h).valid).toBe(true);
  });

  it('may not have taken effect', () => {
    const h = base();
    h.op({ client: 2, ...read('ann'), at: [10, 11], ok: { tickets: 5 } });
    expect(check(h).valid).toBe(true);
  });

  it('may take effect late, but only once and whole', () => {
    const h = base();
    h.op({ client: 2, ...read('ann'), at: [10, 11], ok: { tickets: 5 } });
    h.op({ client: 2, ...read('ann'), at: [12, 13], ok: { tickets: 8 } });
    expect(check(h).valid).toBe(true);
    const half = base();
    half.op({ client: 2, ...read('ann'), at: [10, 11], ok: { tickets: 6 } });
    expect(check(half).valid).toBe(false);
    const back = base();
    back.op({ client: 2, ...read('ann'), at: [10, 11], ok: { tickets: 8 } });
    back.op({ client: 2, ...read('ann'), at: [12, 13], ok: { tickets: 5 } });
    expect(check(back).valid).toBe(false);
  });

  it('cannot take effect before it was invoked', () => {
    const h = new HistoryBuilder();
    h.op({ client: 0, ...read('ann'), at: [0, 1], ok: { tickets: 3 } });
    h.op({ client: 1, ...issue('ann', 3), at: [2, 3], info: true });
    expect(check(h).valid).toBe(false);
  });

  it('a draw of unknown outcome may have taken one ticket from anyone, once', () => {
    const drawn = (): HistoryBuilder => {
      const h = new HistoryBuilder();
      h.op({ client: 0, ...issue('ann', 5), at: [0, 1], ok: { tickets: 5, totalTickets: 5 } });
      h.op({ client: 0, ...issue('bob', 5), at: [2, 3], ok: { tickets: 5, totalTickets: 10 } });
      h.op({ client: 1, f: 'draw', at: [4, 5], info: true });
      return h;
    };
    const once = drawn();
    once.op({ client: 2, ...read('bob'), at: [10, 11], ok: { tickets: 4 } });
    once.op({
      client: 2,
      f: 'getRaffle',
      at: [12, 13],
      ok: { totalTickets: 9, participantCount: 2, drawCount: 1 },
    });
    expect(checkLinearizability(once.operations).valid).toBe(true);
    const twice = drawn();
    twice.op({ client: 2, ...read('ann'), at: [10, 11], ok: { tickets: 4 } });
    twice.op({ client: 2, ...read('bob'), at: [10, 11], ok: { tickets: 4 } });
    expect(checkLinearizability(twice.operations).valid).toBe(false);
  });
});

describe('HashSet128', () => {
  it('keeps every key once, through growth, the all-zero key included', () => {
    const set = new HashSet128(2);
    const keys: [number, number, number, number][] = [[0, 0, 0, 0]];
    for (let i = 1; i < 5_000; i += 1) keys.push([i, -i, i * 7, i % 3]);
    for (const key of keys) expect(set.add(...key)).toBe(true);
    for (const key of keys) expect(set.add(...key)).toBe(false);
    expect(set.size).toBe(keys.length);
  });
});
