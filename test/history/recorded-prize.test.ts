/**
 * Prize-raffle histories recorded against the real service (in process, on a free port): 64
 * clients over REST and tRPC claim tickets, read, draw and verify; the history must come out
 * linearizable and conserved, with no verification code in it; answers lost after the service
 * applied them become operations of unknown outcome the checkers accept; a double answering stale
 * figures and one handing a ticket number out twice are caught, with a minimal failing window
 * that holds an answer they altered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import { eventLine, pairOperations } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { checkLinearizability, formatViolation } from '../../load/history/linearizability.js';
import { recordPrizeHistory } from '../../load/history/record-prize.js';
import { httpTransport, type HttpTransport } from '../../load/history/transport.js';
import type { RunningServer } from '../../src/server/server.js';
import {
  doubleClaimTransport,
  losingTransport,
  staleFiguresTransport,
} from '../support/history-doubles.js';
import { startTestServer } from '../support/server.js';

let running: RunningServer;
let http: HttpTransport;

beforeAll(async () => {
  running = await startTestServer();
  http = httpTransport({ baseUrl: running.url });
  await http.warmUp(64);
});

afterAll(async () => {
  http?.close();
  await running?.close();
});

/** Small raffles, so that they sell out, are drawn and verified within a short recording. */
const workload = { ticketCount: 150 };

describe('recorded prize-raffle histories', () => {
  it('3,000 operations from 64 clients over REST and tRPC: linearizable, conserved, no codes', async () => {
    const recorded = await recordPrizeHistory({
      transport: http.send,
      operations: 3_000,
      seed: 20261130,
      workload,
    });
    const events = recorded.recorder.events;
    const invocations = events.filter((event) => event.type === 'invoke');
    expect(new Set(invocations.map((event) => event.client)).size).toBe(64);
    expect(new Set(invocations.map((event) => event.surface))).toEqual(new Set(['rest', 'trpc']));
    // Every kind of answer the workload aims at was seen, and nothing else.
    for (const outcome of ['claim ok', 'claim fail already_participated', 'draw ok', 'verify ok']) {
      expect(recorded.counts[outcome], outcome).toBeGreaterThan(0);
    }
    const expected =
      /^(\w+ ok|claim fail (already_participated|sold_out)|draw fail (tickets_remaining|already_drawn)|(winners|verify) fail not_drawn)$/;
    expect(Object.keys(recorded.counts).filter((key) => !expected.test(key))).toEqual([]);
    const text = events.map(eventLine).join('\n');
    expect(text).not.toMatch(/verificationCode|"code"/);

    const operations = pairOperations(events);
    const linearizability = checkLinearizability(operations);
    expect(linearizability.valid).toBe(true);
    expect(linearizability.partitions.map((p) => p.kind)).toEqual([
      'prize',
      'prize',
      'prize',
      'prize',
    ]);
    const conservation = checkConservation(events, conservationLaws);
    expect(conservation.valid, JSON.stringify(conservation.first)).toBe(true);
    expect(conservation.reads).toBeGreaterThan(1_000);
  }, 60_000);

  it('answers lost after the service applied them: unknown outcomes, still valid', async () => {
    const losing = losingTransport(http.send, { seed: 7, share: 0.02 });
    const recorded = await recordPrizeHistory({
      transport: losing.send,
      operations: 1_500,
      seed: 7,
      workload,
    });
    const operations = pairOperations(recorded.recorder.events);
    const unknown = operations.filter((op) => op.completion === 'info').map((op) => op.op);
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.sort((x, y) => x - y)).toEqual([...losing.lost].sort((x, y) => x - y));
    expect(checkLinearizability(operations).valid).toBe(true);
    expect(checkConservation(recorded.recorder.events, conservationLaws).valid).toBe(true);
  }, 60_000);

  it('a double answering stale figures of a raffle is caught, with a minimal failing window', async () => {
    const stale = staleFiguresTransport(http.send, {
      every: 3,
      reads: /^\/api\/prize-raffles\/[^/]+$|^\/trpc\/prizeRaffles\.get\?/,
      writes: /\/entries$|^\/trpc\/prizeRaffles\.claim$/,
    });
    const recorded = await recordPrizeHistory({
      transport: stale.send,
      operations: 1_500,
      seed: 8,
      workload,
    });
    expect(stale.tampered.length).toBeGreaterThan(0);
    const report = checkLinearizability(pairOperations(recorded.recorder.events));
    expect(report.valid).toBe(false);
    const violation = report.violations[0]!;
    const window = violation.window ?? [];
    console.log(formatViolation(violation));
    expect(window.length).toBeGreaterThanOrEqual(2);
    expect(window.length).toBeLessThan(20);
    expect(stale.tampered).toContain(violation.blocked?.op);
    expect(formatViolation(violation)).toMatch(
      /prize raffle .*: not linearizable, seen through the counts alone\.\nminimal failing window: \d+ operations/,
    );
  }, 60_000);

  it('a double handing a ticket number out twice is caught by both checkers', async () => {
    const doubled = doubleClaimTransport(http.send, { every: 50 });
    const recorded = await recordPrizeHistory({
      transport: doubled.send,
      operations: 1_500,
      seed: 9,
      workload,
    });
    expect(doubled.tampered.length).toBeGreaterThan(0);
    const report = checkLinearizability(pairOperations(recorded.recorder.events));
    expect(report.valid).toBe(false);
    const violation = report.violations[0]!;
    console.log(formatViolation(violation));
    expect(violation.seenAs).toMatch(/^ticket \d+ alone$/);
    expect(violation.window).toHaveLength(2);
    expect(doubled.tampered).toContain(violation.blocked?.op);
    const conservation = checkConservation(recorded.recorder.events, conservationLaws);
    expect(conservation.valid).toBe(false);
    expect(conservation.first?.quantity).toMatch(/^claims of ticket \d+ \(also op \d+\)$/);
    expect(doubled.tampered).toContain(conservation.first?.op);
  }, 60_000);
});
