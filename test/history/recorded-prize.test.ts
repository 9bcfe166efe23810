/**
 * Prize-raffle histories recorded against the real service (in process, on a free port): 64
 * clients over REST and tRPC claim tickets, read, draw and verify; the history must come out
 * linearizable and conserved, with no verification code in it; answers lost after the service
 * applied them become operations of unknown outcome the checkers accept; a double answering stale
 * figures and one handing a ticket number out twice are caught, with a minimal failing window
 * that holds an answer they altered. The checks all kinds share live in
 * test/support/recorded-history.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import { eventLine } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { formatViolation } from '../../load/history/linearizability.js';
import { recordPrizeHistory } from '../../load/history/record-prize.js';
import type { RecordingResult } from '../../load/history/recording.js';
import type { Transport } from '../../load/history/transport.js';
import { doubleClaimTransport, staleFiguresTransport } from '../support/history-doubles.js';
import {
  caughtViolation,
  expectBothSurfaces,
  expectLinearizableAndConserved,
  itAcceptsLostAnswers,
  useRecordingService,
} from '../support/recorded-history.js';

const http = useRecordingService();

/** Small raffles, so that they sell out, are drawn and verified within a short recording. */
const workload = { ticketCount: 150 };

/** The short recording the tests of a double make, through the double. */
function short(transport: Transport, seed: number): Promise<RecordingResult> {
  return recordPrizeHistory({ transport, operations: 1_500, seed, workload });
}

describe('recorded prize-raffle histories', () => {
  it('3,000 operations from 64 clients over REST and tRPC: linearizable, conserved, no codes', async () => {
    const recorded = await recordPrizeHistory({
      transport: http().send,
      operations: 3_000,
      seed: 20261130,
      workload,
    });
    const events = recorded.recorder.events;
    expectBothSurfaces(events);
    // Every kind of answer the workload aims at was seen, and nothing else.
    for (const outcome of ['claim ok', 'claim fail already_participated', 'draw ok', 'verify ok']) {
      expect(recorded.counts[outcome], outcome).toBeGreaterThan(0);
    }
    const expected =
      /^(\w+ ok|claim fail (already_participated|sold_out)|draw fail (tickets_remaining|already_drawn)|(winners|verify) fail not_drawn)$/;
    expect(Object.keys(recorded.counts).filter((key) => !expected.test(key))).toEqual([]);
    const text = events.map(eventLine).join('\n');
    expect(text).not.toMatch(/verificationCode|"code"/);
    const linearizability = expectLinearizableAndConserved(events, 1_000);
    expect(linearizability.partitions.map((p) => p.kind)).toEqual([
      'prize',
      'prize',
      'prize',
      'prize',
    ]);
  }, 60_000);

  itAcceptsLostAnswers(http, { seed: 7, share: 0.02, timeoutMs: 60_000 }, short);

  it('a double answering stale figures of a raffle is caught, with a minimal failing window', async () => {
    const stale = staleFiguresTransport(http().send, {
      every: 3,
      reads: /^\/api\/prize-raffles\/[^/]+$|^\/trpc\/prizeRaffles\.get\?/,
      writes: /\/entries$|^\/trpc\/prizeRaffles\.claim$/,
    });
    const recorded = await short(stale.send, 8);
    const violation = caughtViolation(recorded.recorder.events, stale.tampered);
    expect(formatViolation(violation)).toMatch(
      /prize raffle .*: not linearizable, seen through the counts alone\.\nminimal failing window: \d+ operations/,
    );
  }, 60_000);

  it('a double handing a ticket number out twice is caught by both checkers', async () => {
    const doubled = doubleClaimTransport(http().send, { every: 50 });
    const recorded = await short(doubled.send, 9);
    const violation = caughtViolation(recorded.recorder.events, doubled.tampered, 2);
    expect(violation.seenAs).toMatch(/^ticket \d+ alone$/);
    const conservation = checkConservation(recorded.recorder.events, conservationLaws);
    expect(conservation.valid).toBe(false);
    expect(conservation.first?.quantity).toMatch(/^claims of ticket \d+ \(also op \d+\)$/);
    expect(doubled.tampered).toContain(conservation.first?.op);
  }, 60_000);
});
