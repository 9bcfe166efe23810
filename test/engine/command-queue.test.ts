import { describe, expect, it } from 'vitest';
import type { CommandLog } from '../../src/engine/command-log.js';
import { CommandQueue } from '../../src/engine/command-queue.js';
import { estimateJsonBytes } from '../../src/engine/estimate-bytes.js';
import {
  idempotencyAnswerBytesMaxDefault,
  idempotencyBytesMaxDefault,
  idempotencyKeysMaxDefault,
  idempotencyTtlMsDefault,
} from '../../src/config/limits.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { ledgerOf, newStateMachine, submitTo } from '../support/ledger-commands.js';
import { BlockingLog, RecordingLog } from '../support/server.js';

function newQueue(
  options: {
    queueLengthMax?: number;
    batchSizeMax?: number;
    batchBytesMax?: number;
    log?: RecordingLog | BlockingLog | CommandLog;
  } = {},
) {
  const stateMachine = newStateMachine({ rafflesMax: 10, participantsPerRaffleMax: 1_000 });
  let clock = 1_000;
  let randomCalls = 0;
  const queue = new CommandQueue({
    stateMachine,
    log: options.log,
    queueLengthMax: options.queueLengthMax ?? 1_000,
    batchSizeMax: options.batchSizeMax ?? 100,
    batchBytesMax: options.batchBytesMax,
    clock: () => (clock += 1),
    fillRandom: (buffer) => {
      randomCalls += 1;
      for (let i = 0; i < buffer.length; i += 1) buffer[i] = (i * 7 + randomCalls) & 255;
    },
  });
  return { queue, stateMachine };
}

const createMain = { type: 'createRaffle', id: 'main', name: 'Main' } as const;

describe('command queue', () => {
  it('batch: commands submitted in one turn are applied as one batch, in order', async () => {
    const log = new RecordingLog();
    const { queue } = newQueue({ log });
    await submitTo(queue, createMain);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        submitTo(queue, { type: 'issue', raffleId: 'main', username: `u${i % 5}`, count: 1 }),
      ),
    );
    expect(log.batches).toBe(2);
    expect(log.commands.map((c) => c.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    // Arrival order: the last command of u0 sees all ten of its tickets.
    const last = outcomes[45];
    expect(last?.ok && last.value).toEqual({ username: 'u0', tickets: 10, totalTickets: 46 });
  });

  it('batch: a batch never holds more than batchSizeMax commands', async () => {
    const log = new RecordingLog();
    const { queue } = newQueue({ log, batchSizeMax: 7 });
    await submitTo(queue, createMain);
    await Promise.all(
      Array.from({ length: 30 }, () =>
        submitTo(queue, { type: 'issue', raffleId: 'main', username: 'a', count: 1 }),
      ),
    );
    expect(log.batches).toBe(1 + Math.ceil(30 / 7));
  });

  it('batch: a batch never holds more than batchBytesMax estimated bytes, but at least one command', async () => {
    const log = new RecordingLog();
    const { queue } = newQueue({ log, batchBytesMax: 3_000 });
    await submitTo(queue, createMain);
    const sizes = [100, 900, 1_200, 5_000, 300, 700, 1_000, 1_400, 50, 2_900];
    const outcomes = await Promise.all(
      sizes.map((size) =>
        submitTo(queue, { type: 'issue', raffleId: 'main', username: 'u'.repeat(size), count: 1 }),
      ),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const estimates = log.commands.slice(1).map((stamped) => estimateJsonBytes(stamped.command));
    // Walk the batches as the queue cut them: each fits the bound unless it holds one command,
    // and adding the next command would have passed it.
    let at = 0;
    for (const size of log.batchSizes.slice(1)) {
      const bytes = estimates.slice(at, at + size).reduce((sum, value) => sum + value, 0);
      if (size > 1) expect(bytes).toBeLessThanOrEqual(3_000);
      const next = estimates[at + size];
      if (next !== undefined) expect(bytes + next).toBeGreaterThan(3_000);
      at += size;
    }
    expect(at).toBe(sizes.length);
    expect(log.batchSizes.slice(1)).toContain(1);
  });

  it('estimate: the JSON size estimate follows the real size', () => {
    const values: unknown[] = [
      { kind: 'ledger', type: 'issue', raffleId: 'main', username: 'ann', count: 5 },
      { items: Array.from({ length: 100 }, (_, i) => ({ username: `user-${i}`, count: i })) },
      [null, true, 'x'.repeat(1_000), [1, 2, 3]],
    ];
    for (const value of values) {
      const real = JSON.stringify(value).length;
      const estimate = estimateJsonBytes(value);
      expect(estimate).toBeGreaterThan(real * 0.5);
      expect(estimate).toBeLessThan(real * 2);
    }
  });

  it('stamp: time is stamped and seeds only go to draws and creations', async () => {
    const log = new RecordingLog();
    const { queue } = newQueue({ log });
    await submitTo(queue, createMain);
    await submitTo(queue, { type: 'issue', raffleId: 'main', username: 'a', count: 2 });
    await submitTo(queue, { type: 'draw', raffleId: 'main' });
    const [create, issue, draw] = log.commands;
    expect(create?.seed).toHaveLength(16);
    expect(issue?.seed).toBeUndefined();
    expect(draw?.seed).toHaveLength(16);
    expect(draw?.seed).not.toEqual(create?.seed);
    expect(issue?.atMs).toBeGreaterThan(create?.atMs ?? Infinity);
  });

  it('stamp: a seed is a copy, unchanged when the random pool refills', async () => {
    const log = new RecordingLog();
    const { queue } = newQueue({ log });
    await submitTo(queue, createMain);
    await submitTo(queue, { type: 'issue', raffleId: 'main', username: 'a', count: 1_000 });
    const first = await submitTo(queue, { type: 'draw', raffleId: 'main' });
    const seedCopy = Uint8Array.from(log.commands[2]?.seed ?? []);
    // 4096-byte pool / 16-byte seeds: 300 more draws refill it.
    for (let i = 0; i < 300; i += 1) await submitTo(queue, { type: 'draw', raffleId: 'main' });
    expect(log.commands[2]?.seed).toEqual(seedCopy);
    expect(first.ok).toBe(true);
  });

  it('reads: only mutations reach the log, reads see earlier writes', async () => {
    const log = new RecordingLog();
    const { queue } = newQueue({ log });
    await submitTo(queue, createMain);
    const [, read] = await Promise.all([
      submitTo(queue, { type: 'issue', raffleId: 'main', username: 'a', count: 3 }),
      submitTo(queue, { type: 'getParticipant', raffleId: 'main', username: 'a' }),
    ]);
    expect(read.ok && read.value).toEqual({ username: 'a', tickets: 3 });
    expect(log.commands.map((c) => c.command.type)).toEqual(['createRaffle', 'issue']);
  });

  it('reads: ahead of the first write of their batch they are answered before its fsync, after it they wait', async () => {
    const log = new BlockingLog();
    const { queue } = newQueue({ log });
    await submitTo(queue, createMain);
    await submitTo(queue, { type: 'issue', raffleId: 'main', username: 'a', count: 2 });
    log.block();
    const answered: string[] = [];
    const track = <T>(name: string, outcome: Promise<T>) =>
      outcome.then((value) => {
        answered.push(name);
        return value;
      });
    const before = track(
      'read before',
      submitTo(queue, { type: 'getParticipant', raffleId: 'main', username: 'a' }),
    );
    const write = track(
      'write',
      submitTo(queue, { type: 'issue', raffleId: 'main', username: 'a', count: 3 }),
    );
    const after = track(
      'read after',
      submitTo(queue, { type: 'getParticipant', raffleId: 'main', username: 'a' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The batch is held in the log: only the read that saw nothing of it has its answer.
    expect(answered).toEqual(['read before']);
    const first = await before;
    expect(first.ok && first.value).toEqual({ username: 'a', tickets: 2 });
    log.release();
    const [written, second] = await Promise.all([write, after]);
    expect(written.ok).toBe(true);
    expect(second.ok && second.value).toEqual({ username: 'a', tickets: 5 });
    expect(answered).toEqual(['read before', 'write', 'read after']);
  });

  it('reads: when the log fails, a read ahead of the first write keeps its answer, the rest get storage_failed', async () => {
    const failing: CommandLog = {
      append: () => Promise.reject(new Error('disk gone')),
      close: () => Promise.resolve(),
    };
    const broken = newQueue({ log: failing }).queue;
    const outcomes = await Promise.all([
      submitTo(broken, { type: 'getRaffle', raffleId: 'main' }),
      submitTo(broken, createMain),
      submitTo(broken, { type: 'getRaffle', raffleId: 'main' }),
    ]);
    // The queue starts with no raffle: the first read says so, from durable state.
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.reason))).toEqual([
      'raffle_not_found',
      'storage_failed',
      'storage_failed',
    ]);
  });

  it('bounded: past queueLengthMax callers get queue_full at once, nothing is lost', async () => {
    const log = new BlockingLog();
    log.block();
    const { queue, stateMachine } = newQueue({ log, queueLengthMax: 5, batchSizeMax: 5 });
    const create = submitTo(queue, createMain);
    await new Promise((resolve) => setImmediate(resolve));
    // The first batch is stuck in the log; the next five wait, the rest are refused.
    const submitted = Array.from({ length: 8 }, () =>
      submitTo(queue, { type: 'issue', raffleId: 'main', username: 'a', count: 1 }),
    );
    const refused = await Promise.all(submitted.slice(5));
    expect(refused.map((o) => (o.ok ? 'ok' : o.reason))).toEqual([
      'queue_full',
      'queue_full',
      'queue_full',
    ]);
    expect(queue.length).toBe(5);
    log.release();
    await create;
    await new Promise((resolve) => setImmediate(resolve));
    log.release();
    const accepted = await Promise.all(submitted.slice(0, 5));
    expect(accepted.every((o) => o.ok)).toBe(true);
    expect(ledgerOf(stateMachine, 'main')?.ticketsOf('a')).toBe(5);
  });

  it('acknowledgement: callers hear back only after the log settles', async () => {
    const log = new BlockingLog();
    log.block();
    const { queue } = newQueue({ log });
    let answered = false;
    const pending = submitTo(queue, createMain).then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
    log.release();
    await pending;
    expect(answered).toBe(true);
  });

  it('close: answers every queued command, then refuses with shutting_down', async () => {
    const { queue, stateMachine } = newQueue();
    await submitTo(queue, createMain);
    const queued = Array.from({ length: 100 }, () =>
      submitTo(queue, { type: 'issue', raffleId: 'main', username: 'a', count: 1 }),
    );
    await queue.close();
    const outcomes = await Promise.all(queued);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(ledgerOf(stateMachine, 'main')?.ticketsOf('a')).toBe(100);
    const late = await submitTo(queue, {
      type: 'issue',
      raffleId: 'main',
      username: 'a',
      count: 1,
    });
    expect(late.ok ? 'ok' : late.reason).toBe('shutting_down');
  });

  it('options: a queue shorter than one batch is refused', () => {
    expect(() => newQueue({ queueLengthMax: 5, batchSizeMax: 10 })).toThrow(/at least one batch/);
  });
});

describe('engine', () => {
  const options = {
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main raffle',
    rafflesMax: 10,
    participantsPerRaffleMax: 10,
    queueLengthMax: 10,
    batchSizeMax: 10,
  };

  it('start: the first commands set the limits and create the default raffle', async () => {
    const log = new RecordingLog();
    const engine = await startRaffleEngine({ ...options, log });
    const stats = await submitTo(engine, { type: 'getRaffle', raffleId: 'main' });
    expect(stats.ok && stats.value.name).toBe('Main raffle');
    expect(log.commands.map((stamped) => stamped.command)).toEqual([
      {
        kind: 'engine',
        type: 'configure',
        limits: {
          rafflesMax: 10,
          participantsPerRaffleMax: 10,
          idempotencyKeysMax: idempotencyKeysMaxDefault,
          idempotencyTtlMs: idempotencyTtlMsDefault,
          idempotencyBytesMax: idempotencyBytesMaxDefault,
          idempotencyAnswerBytesMax: idempotencyAnswerBytesMaxDefault,
        },
      },
      { kind: 'ledger', type: 'createRaffle', id: 'main', name: 'Main raffle' },
    ]);
    expect(engine.stats()).toMatchObject({ appliedSeq: 2, raffleCount: 1, queueLength: 0 });
    await engine.close();
    expect(engine.isClosed).toBe(true);
  });

  it('start on a recovered state: only what changed is journaled', async () => {
    const first = await startRaffleEngine({ ...options, log: new RecordingLog() });
    await first.close();
    const same = new RecordingLog();
    await (
      await startRaffleEngine({ ...options, log: same, stateMachine: first.stateMachine })
    ).close();
    expect(same.commands).toEqual([]);

    const changed = new RecordingLog();
    const engine = await startRaffleEngine({
      ...options,
      participantsPerRaffleMax: 3,
      log: changed,
      stateMachine: first.stateMachine,
    });
    expect(changed.commands.map((stamped) => stamped.command.type)).toEqual(['configure']);
    expect(engine.stateMachine.limits.participantsPerRaffleMax).toBe(3);
    await engine.close();
  });
});
