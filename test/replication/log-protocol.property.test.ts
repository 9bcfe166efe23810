/**
 * The log protocol (fenced appends, log-first writers, replicas that catch up, snapshots and
 * pruning) checked as a property over an in-memory log with etcd's contract, against a replay of
 * every entry ever appended: three writers on one log, random commands sent to random instances
 * in concurrent waves, entries small enough that batches split, snapshots and pruning every few
 * commands, and injected append failures (before the entry lands, and after it lands with the
 * answer lost). A write answered `log_unavailable` is retried with its idempotency key on another
 * instance, as a client would. Then every replica holds the state a replay of the whole log
 * gives, every acknowledged issue is there exactly once with its count, and no entry passes the
 * size bound. Fixed seed; a failure prints the seed and the shrunk case.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/engine/commands.js';
import { StateMachine } from '../../src/engine/state-machine.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { ledgerKind, type LedgerRaffles } from '../../src/kinds/ledger/kind.js';
import { LogFirstQueue } from '../../src/replication/log-first-queue.js';
import { decodeEntry } from '../../src/replication/log-entry.js';
import { Replica } from '../../src/replication/replica.js';
import { MemorySharedLog, type AppendFault } from '../support/memory-shared-log.js';

const limits = { rafflesMax: 10, participantsPerRaffleMax: 100_000 };
const logger = pino({ level: 'silent' });

type Op =
  | { type: 'issue'; at: number; count: number; keyed: boolean; fault: AppendFault | null }
  | { type: 'draw'; at: number; fault: AppendFault | null };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    type: fc.constant('issue' as const),
    at: fc.integer({ min: 0, max: 2 }),
    count: fc.integer({ min: 1, max: 9 }),
    keyed: fc.boolean(),
    fault: fc.constantFrom<AppendFault | null>(null, null, null, 'fail', 'lose-answer'),
  }),
  fc.record({
    type: fc.constant('draw' as const),
    at: fc.integer({ min: 0, max: 2 }),
    fault: fc.constantFrom<AppendFault | null>(null, null, null, 'fail', 'lose-answer'),
  }),
);

async function run(
  waves: Op[][],
  snapshotEveryCommands: number,
  entryBytesMax: number,
  batchSizeMax: number,
  dropEvery: number,
  appendGiveUpMs: number,
) {
  const log = new MemorySharedLog();
  const history = new Map<number, Buffer>();
  const append = log.append.bind(log);
  log.append = async (index, value, foundMax) => {
    const result = await append(index, value, foundMax).catch((error: unknown) => {
      if (log.entries.get(index) === value) history.set(index, value);
      throw error;
    });
    if (result.committed) history.set(index, value);
    return result;
  };
  const registry = createKindRegistry();
  const nodes: { replica: Replica; queue: LogFirstQueue }[] = [];
  for (let i = 0; i < 3; i += 1) {
    // The third replica's watch loses entries: it must find them by reading ranges (or a
    // snapshot, once they were pruned).
    log.dropEvery = i === 2 ? dropEvery : undefined;
    const replica = await Replica.open({
      log,
      registry,
      initialLimits: limits,
      instanceId: `i${i}`,
      logger,
      snapshotEveryCommands,
      pollMs: 5,
    });
    const queue = new LogFirstQueue({
      replica,
      log,
      instanceId: `i${i}`,
      logger,
      queueLengthMax: 10_000,
      batchSizeMax,
      appendGiveUpMs,
      entryBytesMax,
    });
    nodes.push({ replica, queue });
  }
  // A replica that sleeps through the whole run (its watch loses everything, it never polls) and
  // wakes at the end: by then the entries it needs may be pruned, and it loads a snapshot.
  log.dropEvery = 1;
  const sleeper = await Replica.open({
    log,
    registry,
    initialLimits: limits,
    instanceId: 'sleeper',
    logger,
    snapshotEveryCommands,
    pollMs: 3_600_000,
  });
  const submit = (at: number, mutation: Record<string, unknown>): Promise<Outcome<unknown>> =>
    nodes[at]!.queue.submit({ mutation: mutation as never });
  /** Sends until the answer is not `log_unavailable`, moving to the next instance each time. */
  const untilAnswered = async (at: number, mutation: Record<string, unknown>) => {
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await submit((at + attempt) % 3, mutation);
      if (outcome.ok || outcome.reason !== 'log_unavailable') return outcome;
      expect(attempt).toBeLessThan(50);
    }
  };

  for (const id of ['main', 'pool']) {
    expect(
      (await untilAnswered(0, { kind: 'ledger', type: 'createRaffle', id, name: id })).ok,
    ).toBe(true);
  }
  expect(
    (
      await untilAnswered(1, {
        kind: 'ledger',
        type: 'issue',
        raffleId: 'pool',
        username: 'p',
        count: 1_000,
      })
    ).ok,
  ).toBe(true);

  const issued = new Map<string, number>();
  /** Unkeyed writes whose answer was `log_unavailable`: applied once or not at all. */
  const unknown = new Map<string, number>();
  let draws = 0;
  let key = 0;
  for (const wave of waves) {
    const sent = wave.map((op) => {
      key += 1;
      if (op.fault !== null) log.faults.push(op.fault);
      if (op.type === 'issue') {
        const username = `u${key}`;
        const mutation = {
          kind: 'ledger',
          type: 'issue',
          raffleId: 'main',
          username,
          count: op.count,
        };
        if (!op.keyed) {
          // Without a key a client cannot retry safely: an unknown outcome stays unknown.
          return submit(op.at, mutation).then((outcome) => {
            if (outcome.ok) issued.set(username, op.count);
            else unknown.set(username, op.count);
          });
        }
        return untilAnswered(op.at, { ...mutation, idempotencyKey: `k${key}` }).then((outcome) => {
          expect(outcome.ok).toBe(true);
          issued.set(username, op.count);
        });
      }
      const mutation = {
        kind: 'ledger',
        type: 'draw',
        raffleId: 'pool',
        idempotencyKey: `k${key}`,
      };
      return untilAnswered(op.at, mutation).then((outcome) => {
        if (outcome.ok) draws += 1;
      });
    });
    await Promise.all(sent);
  }

  // The replicas that are awake find every entry by themselves (watch, gaps, periodic reads).
  const last = Math.max(...history.keys());
  for (let waited = 0; nodes.some((node) => node.replica.index < last); waited += 1) {
    expect(waited, 'replicas catch up by themselves').toBeLessThan(400);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await sleeper.catchUp();
  const replay = new StateMachine(registry, limits);
  for (let index = 1; history.has(index); index += 1) {
    const value = history.get(index) as Buffer;
    expect(value.length).toBeLessThanOrEqual(entryBytesMax);
    for (const stamped of decodeEntry({ index, value }).commands) replay.apply(stamped);
  }
  expect(history.size).toBe(Math.max(...history.keys()));
  expect(history.size).toBe(Math.max(...log.entries.keys()));
  const digest = replay.digest();
  for (const replica of [...nodes.map((node) => node.replica), sleeper]) {
    expect(replica.stateMachine.digest()).toBe(digest);
    replica.stateMachine.checkInvariants();
  }
  expect(sleeper.snapshotsLoaded).toBe(log.entries.has(1) ? 0 : 1);
  const state = nodes[2]!.replica.stateMachine;
  for (const [username, count] of issued) {
    expect(ticketsOf(state, 'main', username)).toBe(count);
  }
  for (const [username, count] of unknown)
    expect([0, count]).toContain(ticketsOf(state, 'main', username));
  expect(ticketsOf(state, 'pool', 'p')).toBe(1_000 - draws);
  for (const node of nodes) await node.queue.close();
  await sleeper.close();
}

/** Tickets a participant holds (0 when absent), read from the ledger kind's state. */
function ticketsOf(state: StateMachine, raffleId: string, username: string): number | undefined {
  return state.stateOf<LedgerRaffles>(ledgerKind).get(raffleId)?.ticketsOf(username);
}

describe('log protocol over a log with failures', () => {
  it('replicas equal a replay of the log; every acknowledged write once; entries within bounds', async () => {
    const seed = 20_260_415;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArbitrary, { minLength: 1, maxLength: 12 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 3, max: 40 }),
        fc.integer({ min: 700, max: 3_000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 2, max: 6 }),
        // No retry (every failed append is an unknown outcome), or retries of the same bytes.
        fc.constantFrom(0, 1_000),
        run,
      ),
      { seed, numRuns: 40, endOnFailure: true },
    );
  }, 120_000);
});
