/**
 * Histories recorded against the real service (in process, on a free port): 10,000 operations
 * from 64 clients over REST and tRPC must come out linearizable and conserved; answers lost after
 * the service applied them become operations of unknown outcome that the checkers accept; and a
 * double answering stale reads is caught, with a minimal failing window that holds one of the
 * reads it tampered with. The checks all kinds share live in test/support/recorded-history.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import { pairOperations } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { formatViolation } from '../../load/history/linearizability.js';
import { recordLedgerHistory } from '../../load/history/record-ledger.js';
import { staleReadTransport } from '../support/history-doubles.js';
import {
  caughtViolation,
  expectBothSurfaces,
  expectLinearizableAndConserved,
  itAcceptsLostAnswers,
  useRecordingService,
} from '../support/recorded-history.js';

const http = useRecordingService();

describe('recorded histories', () => {
  it('10,000 operations from 64 clients over REST and tRPC: linearizable and conserved', async () => {
    const recorded = await recordLedgerHistory({
      transport: http().send,
      clients: 64,
      operations: 10_000,
      seed: 20261129,
    });
    const events = recorded.recorder.events;
    expect(events.filter((event) => event.type === 'invoke')).toHaveLength(10_000);
    expectBothSurfaces(events);
    // Every operation was answered, with a result or a refusal the workload expects.
    const unexpected = pairOperations(events).filter(
      (op) =>
        op.completion === 'info' ||
        (op.completion === 'fail' &&
          !['participant_not_found', 'insufficient_tickets', 'raffle_empty'].includes(
            op.output.reason as string,
          )),
    );
    expect(unexpected).toEqual([]);
    expect(expectLinearizableAndConserved(events, 5_000).checked).toBeGreaterThan(8_000);
  }, 180_000);

  itAcceptsLostAnswers(http, { seed: 5, share: 0.01, timeoutMs: 120_000 }, (transport, seed) =>
    recordLedgerHistory({ transport, clients: 64, operations: 2_000, seed }),
  );

  it('a double answering stale reads is caught, with a minimal failing window', async () => {
    const stale = staleReadTransport(http().send, { every: 2 });
    const recorded = await recordLedgerHistory({
      transport: stale.send,
      clients: 64,
      operations: 2_000,
      seed: 6,
      workload: { participants: 10 },
    });
    const violation = caughtViolation(recorded.recorder.events, stale.tampered);
    expect((violation.window ?? []).some((op) => stale.tampered.includes(op.op))).toBe(true);
    expect(formatViolation(violation)).toMatch(/minimal failing window: \d+ operations/);
    // The totals are untouched by the double: the conservation law still holds.
    expect(checkConservation(recorded.recorder.events, conservationLaws).valid).toBe(true);
  }, 120_000);
});
