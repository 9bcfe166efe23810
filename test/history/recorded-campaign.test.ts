/**
 * Campaign histories recorded against the real service (in process, on a free port): 64 clients
 * over REST and tRPC draw with phones, read the counters and, as the operator, read a phone's
 * draws and redeem coupons; the history must come out linearizable and conserved, with the
 * quotas reached, and with no coupon code in it; answers lost after the service applied them
 * become operations of unknown outcome the checkers accept; a double answering stale counters is
 * caught with a minimal failing window; wins planted past a quota in a recorded history are
 * rejected by the conservation law and by the model. The checks all kinds share live in
 * test/support/recorded-history.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import { eventLine, pairOperations, type HistoryEvent } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { checkLinearizability, formatViolation } from '../../load/history/linearizability.js';
import { recordCampaignHistory } from '../../load/history/record-campaign.js';
import type { RecordingResult } from '../../load/history/recording.js';
import type { Transport } from '../../load/history/transport.js';
import { staleFiguresTransport } from '../support/history-doubles.js';
import {
  caughtViolation,
  expectBothSurfaces,
  expectLinearizableAndConserved,
  itAcceptsLostAnswers,
  useRecordingService,
} from '../support/recorded-history.js';

const http = useRecordingService();

/** The short recording the tests of a double make, through the double: one campaign. */
function short(transport: Transport, seed: number): Promise<RecordingResult> {
  return recordCampaignHistory({
    transport,
    operations: 1_500,
    seed,
    raffles: 1,
    workload: { phones: 500 },
  });
}
/** The first test's history, which the second plants wins in. */
let recorded: HistoryEvent[];

describe('recorded campaign histories', () => {
  it('3,000 operations from 64 clients over REST and tRPC: linearizable, conserved, no codes', async () => {
    const recording = await recordCampaignHistory({
      transport: http().send,
      operations: 3_000,
      seed: 20261130,
      raffles: 1,
      workload: { phones: 1_000 },
    });
    recorded = recording.recorder.events;
    expectBothSurfaces(recorded);
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
    // Coupon codes are four groups of four letters and digits; the history holds only their
    // hashes. (Two groups alone would match a campaign id whose random part starts with 4 digits.)
    expect(text).not.toMatch(/\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}\b|couponCode|"code"/);
    // The gold prize ran out of its total quota, the silver one of its daily quota.
    const operations = pairOperations(recorded);
    const lastRead = operations.filter((op) => op.f === 'get' && op.completion === 'ok').at(-1)!;
    const prizes = lastRead.output.prizes as { id: string; wonTotal: number; wonToday: number }[];
    expect(prizes.find((p) => p.id === 'gold')?.wonTotal).toBe(40);
    expect(prizes.find((p) => p.id === 'silver')?.wonToday).toBe(80);
    const linearizability = expectLinearizableAndConserved(recorded, 1_000);
    expect(linearizability.partitions.map((p) => p.kind)).toEqual(['campaign']);
  }, 60_000);

  it('wins planted past a quota in that history are rejected by both checkers', () => {
    // A losing draw of the recorded history turned into one more gold win, after gold ran out.
    const events = structuredClone(recorded);
    const invokes = new Map(events.filter((e) => e.type === 'invoke').map((e) => [e.op, e]));
    // Draws only: a redemption's answer names its prize too, and a gold coupon redeemed near the
    // end of the history left no losing draw after it.
    const goldWins = events.filter(
      (e) =>
        e.type === 'ok' &&
        invokes.get(e.op)?.f === 'draw' &&
        (e.value.prize as { id?: string } | null)?.id === 'gold',
    );
    expect(goldWins).toHaveLength(40);
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

  itAcceptsLostAnswers(http, { seed: 11, share: 0.02, timeoutMs: 60_000 }, short);

  it('a double answering stale counters of a campaign is caught, with a minimal failing window', async () => {
    const stale = staleFiguresTransport(http().send, {
      every: 3,
      reads: /^\/api\/campaigns\/[^/]+$|^\/trpc\/campaigns\.get\?/,
      writes: /^\/api\/campaigns\/[^/]+\/draws$|^\/trpc\/campaigns\.draw$/,
    });
    const recording = await short(stale.send, 12);
    const violation = caughtViolation(recording.recorder.events, stale.tampered);
    expect(formatViolation(violation)).toMatch(
      /^campaign .*: not linearizable, seen through .*\.\nminimal failing window: \d+ operations/,
    );
  }, 60_000);
});
