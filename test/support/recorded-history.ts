/**
 * What the tests of histories recorded against the real service share, whatever the kind: one
 * service in process on a free port with a warmed HTTP transport for the whole file, and the
 * checks every kind's recording must pass alike (both surfaces used, lost answers accepted as
 * unknown outcomes, a tampering double caught on an operation it altered), the lost-answers test
 * whole. Each kind's own
 * expectations (its outcomes, its projections, its secrets) stay in its test file, so a reader
 * sees there what is particular to the kind and finds the common rules here.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import { pairOperations, type HistoryEvent } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import {
  checkLinearizability,
  formatViolation,
  type LinearizabilityReport,
  type PartitionReport,
} from '../../load/history/linearizability.js';
import type { RecordingResult } from '../../load/history/recording.js';
import { httpTransport, type HttpTransport, type Transport } from '../../load/history/transport.js';
import type { RunningServer } from '../../src/server/server.js';
import { losingTransport } from './history-doubles.js';
import { startTestServer } from './server.js';

/**
 * Starts the service before the file's tests and stops it after them; the transport is read
 * through the returned function, since it exists only once `beforeAll` has run.
 */
export function useRecordingService(clients = 64): () => HttpTransport {
  let running: RunningServer | undefined;
  let http: HttpTransport | undefined;
  beforeAll(async () => {
    running = await startTestServer();
    http = httpTransport({ baseUrl: running.url });
    await http.warmUp(clients);
  });
  afterAll(async () => {
    http?.close();
    await running?.close();
  });
  return () => http!;
}

/** The recording came from `clients` clients, over both REST and tRPC. */
export function expectBothSurfaces(events: HistoryEvent[], clients = 64): void {
  const invocations = events.filter((event) => event.type === 'invoke');
  expect(new Set(invocations.map((event) => event.client)).size).toBe(clients);
  expect(new Set(invocations.map((event) => event.surface))).toEqual(new Set(['rest', 'trpc']));
}

/** Linearizable and conserved, with more than `minReads` reads checked against the laws. */
export function expectLinearizableAndConserved(
  events: HistoryEvent[],
  minReads: number,
): LinearizabilityReport {
  const linearizability = checkLinearizability(pairOperations(events));
  expect(linearizability.valid).toBe(true);
  const conservation = checkConservation(events, conservationLaws);
  expect(conservation.valid, JSON.stringify(conservation.first)).toBe(true);
  expect(conservation.reads).toBeGreaterThan(minReads);
  return linearizability;
}

/**
 * The test that a double dropping a `share` of the answers after the service applied them (with
 * `seed`, which the kind's `record` also gets) leaves exactly those operations of unknown
 * outcome, at least one, and a history both checkers still accept.
 */
export function itAcceptsLostAnswers(
  http: () => HttpTransport,
  loss: { seed: number; share: number; timeoutMs: number },
  record: (transport: Transport, seed: number) => Promise<RecordingResult>,
): void {
  it(
    'answers lost after the service applied them: unknown outcomes, still valid',
    async () => {
      const losing = losingTransport(http().send, { seed: loss.seed, share: loss.share });
      const { events } = (await record(losing.send, loss.seed)).recorder;
      const operations = pairOperations(events);
      const unknown = operations.filter((op) => op.completion === 'info').map((op) => op.op);
      expect(unknown.length).toBeGreaterThan(0);
      expect(unknown.sort((x, y) => x - y)).toEqual([...losing.lost].sort((x, y) => x - y));
      expect(checkLinearizability(operations).valid).toBe(true);
      expect(checkConservation(events, conservationLaws).valid).toBe(true);
    },
    loss.timeoutMs,
  );
}

/**
 * A double altered some answers (`tampered`): the history is not linearizable, and the operation
 * the search could not place is one it altered. `window` is the exact length of the minimal
 * failing window, or `short` for 2 to 19 operations. Returns the violation, printed.
 */
export function caughtViolation(
  events: HistoryEvent[],
  tampered: readonly number[],
  window: number | 'short' = 'short',
): PartitionReport {
  expect(tampered.length).toBeGreaterThan(0);
  const report = checkLinearizability(pairOperations(events));
  expect(report.valid).toBe(false);
  const violation = report.violations[0]!;
  console.log(formatViolation(violation));
  const length = violation.window?.length ?? 0;
  if (window === 'short') {
    expect(length).toBeGreaterThanOrEqual(2);
    expect(length).toBeLessThan(20);
  } else {
    expect(length).toBe(window);
  }
  expect(tampered).toContain(violation.blocked?.op);
  return violation;
}
