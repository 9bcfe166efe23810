/**
 * Histories recorded against the real service (in process, on a free port): 10,000 operations
 * from 64 clients over REST and tRPC must come out linearizable and conserved; answers lost after
 * the service applied them become operations of unknown outcome that the checkers accept; and a
 * double answering stale reads is caught, with a minimal failing window that holds one of the
 * reads it tampered with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import { pairOperations } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { checkLinearizability, formatViolation } from '../../load/history/linearizability.js';
import { recordLedgerHistory } from '../../load/history/record-ledger.js';
import { httpTransport, type HttpTransport } from '../../load/history/transport.js';
import type { RunningServer } from '../../src/server/server.js';
import { losingTransport, staleReadTransport } from '../support/history-doubles.js';
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

describe('recorded histories', () => {
  it('10,000 operations from 64 clients over REST and tRPC: linearizable and conserved', async () => {
    const recorded = await recordLedgerHistory({
      transport: http.send,
      clients: 64,
      operations: 10_000,
      seed: 20261129,
    });
    const events = recorded.recorder.events;
    const invocations = events.filter((event) => event.type === 'invoke');
    expect(invocations).toHaveLength(10_000);
    expect(new Set(invocations.map((event) => event.client)).size).toBe(64);
    expect(new Set(invocations.map((event) => event.surface))).toEqual(new Set(['rest', 'trpc']));
    const operations = pairOperations(events);
    // Every operation was answered, with a result or a refusal the workload expects.
    const unexpected = operations.filter(
      (op) =>
        op.completion === 'info' ||
        (op.completion === 'fail' &&
          !['participant_not_found', 'insufficient_tickets', 'raffle_empty'].includes(
            op.output.reason as string,
          )),
    );
    expect(unexpected).toEqual([]);

    const linearizability = checkLinearizability(operations);
    expect(linearizability.valid).toBe(true);
    expect(linearizability.checked).toBeGreaterThan(8_000);
    const conservation = checkConservation(events, conservationLaws);
    expect(conservation.valid, conservation.first && JSON.stringify(conservation.first)).toBe(true);
    expect(conservation.reads).toBeGreaterThan(5_000);
  }, 180_000);

  it('answers lost after the service applied them: unknown outcomes, still valid', async () => {
    const losing = losingTransport(http.send, { seed: 5, share: 0.01 });
    const recorded = await recordLedgerHistory({
      transport: losing.send,
      clients: 64,
      operations: 2_000,
      seed: 5,
    });
    const operations = pairOperations(recorded.recorder.events);
    const unknown = operations.filter((op) => op.completion === 'info').map((op) => op.op);
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.sort((x, y) => x - y)).toEqual([...losing.lost].sort((x, y) => x - y));
    expect(checkLinearizability(operations).valid).toBe(true);
    expect(checkConservation(recorded.recorder.events, conservationLaws).valid).toBe(true);
  }, 120_000);

  it('a double answering stale reads is caught, with a minimal failing window', async () => {
    const stale = staleReadTransport(http.send, { every: 2 });
    const recorded = await recordLedgerHistory({
      transport: stale.send,
      clients: 64,
      operations: 2_000,
      seed: 6,
      workload: { participants: 10 },
    });
    expect(stale.tampered.length).toBeGreaterThan(0);
    const report = checkLinearizability(pairOperations(recorded.recorder.events));
    expect(report.valid).toBe(false);
    const violation = report.violations[0]!;
    const window = violation.window ?? [];
    expect(window.length).toBeGreaterThanOrEqual(2);
    expect(window.length).toBeLessThan(20);
    expect(window.some((op) => stale.tampered.includes(op.op))).toBe(true);
    expect(stale.tampered).toContain(violation.blocked?.op);
    expect(formatViolation(violation)).toMatch(/minimal failing window: \d+ operations/);
    // The totals are untouched by the double: the conservation law still holds.
    expect(checkConservation(recorded.recorder.events, conservationLaws).valid).toBe(true);
  }, 120_000);
});
