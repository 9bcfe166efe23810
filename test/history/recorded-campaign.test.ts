/**
 * Campaign histories recorded against the real service (in process, on a free port): 64 clients
 * over REST and tRPC draw with phones, read the counters and, as the operator, read a phone's
 * draws and redeem coupons; the history must come out linearizable and conserved, with the
 * quotas reached, and with no coupon code in it; answers lost after the service applied them
 * become operations of unknown outcome the checkers accept; a double answering stale counters is
 * caught with a minimal failing window; wins planted past a quota in a recorded history are
 * rejected by the conservation law and by the model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import { eventLine, pairOperations, type HistoryEvent } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { checkLinearizability, formatViolation } from '../../load/history/linearizability.js';
import { recordCampaignHistory } from '../../load/history/record-campaign.js';
import { httpTransport, type HttpTransport } from '../../load/history/transport.js';
import type { RunningServer } from '../../src/server/server.js';
import { losingTransport, staleFiguresTransport } from '../support/history-doubles.js';
import { startTestServer } from '../support/server.js';

let running: RunningServer;
let http: HttpTransport;
let recorded: HistoryEvent[];

beforeAll(async () => {
  running = await startTestServer();
  http = httpTransport({ baseUrl: running.url });
  await http.warmUp(64);
});

afterAll(async () => {
  http?.close();
  await running?.close();
});

describe('recorded campaign histories', () => {
  it('3,000 operations from 64 clients over REST and tRPC: linearizable, conserved, no codes', async () => {
    const recording = await recordCampaignHistory({
      transport: http.send,
      operations: 3_000,
      seed: 20261130,
      raffles: 1,
      workload: { phones: 1_000 },
    });
    recorded = recording.recorder.events;
    const invocations = recorded.filter((event) => event.type === 'invoke');
    expect(new Set(invocations.map((event) => event.client)).size).toBe(64);
    expect(new Set(invocations.map((event) => event.surface))).toEqual(new Set(['rest', 'trpc']));
    for (const outcome of [
      'draw ok',
      'draw fail already_drawn_today',
      'redeem ok',
      'redeem fail coupon_already_redeemed',
      'phoneDraws ok',
    ]) {
      expect(recording.counts[outcome], outcome).toBeGreaterThan(0);
    }
    const expected = /^(\w+ ok|draw fail already_drawn_today|redeem fail coupon_already_redeemed)$/;
    expect(Object.keys(recording.counts).filter((key) => !expected.test(key))).toEqual([]);
    const text = recorded.map(eventLine).join('\n');
    // Coupon codes are groups of four letters and digits; the history holds only their hashes.
    expect(text).not.toMatch(/[0-9A-Z]{4}-[0-9A-Z]{4}|couponCode|"code"/);
    // The gold prize ran out of its total quota, the silver one of its daily quota.
    const operations = pairOperations(recorded);
    const lastRead = operations.filter((op) => op.f === 'get' && op.completion === 'ok').at(-1)!;
    const prizes = lastRead.output.prizes as { id: string; wonTotal: number; wonToday: number }[];
    expect(prizes.find((p) => p.id === 'gold')?.wonTotal).toBe(40);
    expect(prizes.find((p) => p.id === 'silver')?.wonToday).toBe(80);

    const linearizability = checkLinearizability(operations);
    expect(linearizability.valid).toBe(true);
    expect(linearizability.partitions.map((p) => p.kind)).toEqual(['campaign']);
    const conservation = checkConservation(recorded, conservationLaws);
    expect(conservation.valid, JSON.stringify(conservation.first)).toBe(true);
    expect(conservation.reads).toBeGreaterThan(1_000);
  }, 60_000);

  it('wins planted past a quota in that history are rejected by both checkers', () => {
    // A losing draw of the recorded history turned into one more gold win, after gold ran out.
    const events = structuredClone(recorded);
    const invokes = new Map(events.filter((e) => e.type === 'invoke').map((e) => [e.op, e]));
    const goldWins = events.filter(
      (e) => e.type === 'ok' && (e.value.prize as { id?: string } | null)?.id === 'gold',
    );
    const lastGold = goldWins.at(-1)!;
    const loser = events.find(
      (e) =>
        e.type === 'ok' &&
        e.time > lastGold.time &&
        invokes.get(e.op)?.f === 'draw' &&
        e.value.won === false,
    )!;
    loser.value = { ...loser.value, won: true, prize: { id: 'gold' }, couponHash: 'planted' };
    const conservation = checkConservation(events, conservationLaws);
    expect(conservation.valid).toBe(false);
    expect(conservation.first).toMatchObject({ op: loser.op, quantity: 'wins of prize gold' });
    expect(conservation.first?.observed).toBe(41);
    const report = checkLinearizability(pairOperations(events));
    expect(report.valid).toBe(false);
    const violation = report.violations[0]!;
    console.log(formatViolation(violation));
    expect(violation.blocked?.op).toBe(loser.op);
    expect(violation.seenAs).toBe('prize gold alone');
  });

  it('answers lost after the service applied them: unknown outcomes, still valid', async () => {
    const losing = losingTransport(http.send, { seed: 11, share: 0.02 });
    const recording = await recordCampaignHistory({
      transport: losing.send,
      operations: 1_500,
      seed: 11,
      raffles: 1,
      workload: { phones: 500 },
    });
    const operations = pairOperations(recording.recorder.events);
    const unknown = operations.filter((op) => op.completion === 'info').map((op) => op.op);
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.sort((x, y) => x - y)).toEqual([...losing.lost].sort((x, y) => x - y));
    expect(checkLinearizability(operations).valid).toBe(true);
    expect(checkConservation(recording.recorder.events, conservationLaws).valid).toBe(true);
  }, 60_000);

  it('a double answering stale counters of a campaign is caught, with a minimal failing window', async () => {
    const stale = staleFiguresTransport(http.send, {
      every: 3,
      reads: /^\/api\/campaigns\/[^/]+$|^\/trpc\/campaigns\.get\?/,
      writes: /^\/api\/campaigns\/[^/]+\/draws$|^\/trpc\/campaigns\.draw$/,
    });
    const recording = await recordCampaignHistory({
      transport: stale.send,
      operations: 1_500,
      seed: 12,
      raffles: 1,
      workload: { phones: 500 },
    });
    expect(stale.tampered.length).toBeGreaterThan(0);
    const report = checkLinearizability(pairOperations(recording.recorder.events));
    expect(report.valid).toBe(false);
    const violation = report.violations[0]!;
    console.log(formatViolation(violation));
    const window = violation.window ?? [];
    expect(window.length).toBeGreaterThanOrEqual(2);
    expect(window.length).toBeLessThan(20);
    expect(stale.tampered).toContain(violation.blocked?.op);
    expect(formatViolation(violation)).toMatch(
      /^campaign .*: not linearizable, seen through .*\.\nminimal failing window: \d+ operations/,
    );
  }, 60_000);
});
