/**
 * A disk that fails, through the journal's one file-system seam: a failing fdatasync or fsync
 * (of a segment, a snapshot or the directory), ENOSPC, a short write, a slow disk — each injected
 * at every write and sync of a workload in turn, on the simulated disk.
 *
 * Whatever fails and wherever, the service must never acknowledge what is not durable: once the
 * journal has failed, every answer is `storage_failed` (the batch that failed, what waited behind
 * it, and everything later, reads included), and the journal says why at level fatal. A failure
 * of a snapshot only is passed over. Then the disk as a power cut leaves it, and as a restart of
 * the process alone leaves it, recovers without calling anything corruption, to exactly the state
 * after a prefix of the applied commands that holds every acknowledged one, and takes commands
 * again. One run is also cut by a power failure at every step after its short write.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CommandLog } from '../../src/engine/command-log.js';
import type { Outcome, StampedCommand } from '../../src/engine/commands.js';
import type { Journal } from '../../src/journal/journal.js';
import {
  faultAt,
  FaultyFileSystem,
  type Fault,
  type FaultCall,
  type FaultPlan,
} from '../support/faulty-file-system.js';
import {
  engineOver,
  journalTestLimits,
  mutations,
  openTestJournal,
} from '../support/journal-workload.js';
import { newStateMachine, submitTo } from '../support/ledger-commands.js';
import { SimulatedDisk, type DirectoryVariant } from '../support/simulated-disk.js';

const limits = journalTestLimits;
const dataDir = '/disk/service/data';

/** Keeps every batch handed to the journal (applied, durable or not) and the last acknowledged. */
class WatchingLog implements CommandLog {
  readonly applied: StampedCommand[] = [];
  ackedSeq = 0;
  constructor(
    private readonly inner: CommandLog,
    private readonly disk: SimulatedDisk,
  ) {}
  async append(batch: readonly StampedCommand[]): Promise<void> {
    this.applied.push(...batch);
    await this.inner.append(batch);
    this.ackedSeq = (batch[batch.length - 1] as StampedCommand).seq;
    this.disk.acknowledge(this.ackedSeq);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function openJournal(
  fileSystem: SimulatedDisk | FaultyFileSystem,
  logger = pino({ level: 'silent' }),
): Promise<Journal> {
  return openTestJournal(dataDir, { snapshotEveryCommands: 6, logger, fileSystem });
}

interface Run {
  disk: SimulatedDisk;
  faulty: FaultyFileSystem;
  log: WatchingLog;
  /** Answers in submission order. */
  outcomes: Outcome<unknown>[];
  failure: Error | undefined;
  fatal: string[];
}

/** The workload: commands one at a time, then in bursts, on a disk that fails as planned. */
async function run(plan: FaultPlan): Promise<Run> {
  const disk = new SimulatedDisk();
  const faulty = new FaultyFileSystem(disk);
  const fatal: string[] = [];
  const logger = pino({ level: 'fatal' }, { write: (line: string) => fatal.push(line) });
  const journal = await openJournal(faulty, logger);
  // The start-up commands (limits, default raffle) go through before the plan starts counting.
  const log = new WatchingLog(journal, disk);
  const engine = await engineOver(journal, log);
  faulty.calls = 0;
  faulty.plan = plan;
  const all = mutations(24, 77);
  const outcomes: Outcome<unknown>[] = [];
  for (const mutation of all.slice(0, 8)) outcomes.push(await submitTo(engine, mutation));
  for (let at = 8; at < all.length; at += 4) {
    const burst = [...all.slice(at, at + 4), { type: 'getRaffle' as const, raffleId: 'main' }];
    outcomes.push(...(await Promise.all(burst.map((command) => submitTo(engine, command)))));
  }
  const failure = engine.failure;
  await engine.close().catch(() => undefined);
  return { disk, faulty, log, outcomes, failure, fatal };
}

/** The state after the first `seq` applied commands, replayed from nothing. */
function digestAfter(applied: StampedCommand[], seq: number): string {
  const replay = newStateMachine(limits);
  for (const stamped of applied) if (stamped.seq <= seq) replay.apply(stamped);
  return replay.digestText();
}

/** Reopens the disk as `variant` leaves it and checks the prefix; then takes a command. */
async function recoverAndCheck(
  result: Run,
  variant: DirectoryVariant,
  tail: number,
  where: string,
  checkpoint = result.disk.checkpoints.at(-1)!,
): Promise<number> {
  const image = SimulatedDisk.crashImage(checkpoint, variant, tail);
  const journal = await openJournal(image).catch((error: unknown) => {
    throw new Error(`${where}, ${variant}: ${String(error)}`);
  });
  const seq = journal.stateMachine.appliedSeq;
  expect(seq, where).toBeGreaterThanOrEqual(checkpoint.ackedSeq);
  expect(seq, where).toBeLessThanOrEqual(result.log.applied.at(-1)?.seq ?? 0);
  expect(journal.stateMachine.digestText(), where).toBe(digestAfter(result.log.applied, seq));
  journal.stateMachine.checkInvariants();
  // The restarted service takes commands again, on the disk that failed before.
  const engine = await engineOver(journal);
  const issued = await submitTo(engine, {
    type: 'issue',
    raffleId: 'main',
    username: 'x',
    count: 1,
  });
  expect(issued.ok, where).toBe(true);
  await engine.close();
  return seq;
}

const faults: [string, Fault][] = [
  ['EIO, nothing reached the disk', { kind: 'eio' }],
  ['EIO, the data reached the disk', { kind: 'eio', reached: true }],
  ['ENOSPC', { kind: 'enospc' }],
  ['a short write', { kind: 'short', bytes: 7 }],
];

/**
 * Whether a fault at this call must stop the journal: a write or sync of a segment. (A directory
 * sync stops it when a new segment needs it, and only fails a snapshot otherwise.)
 */
const stopsTheJournal = (call: FaultCall): boolean => call.path.endsWith('.log');

describe('faults injected at every write and sync', () => {
  it('never acknowledge what is not durable, refuse everything after, and recover a prefix holding every acknowledged command', async () => {
    const ops: FaultCall['op'][] = [];
    const clean = await run({ faultFor: (call) => void ops.push(call.op) });
    expect(clean.failure).toBeUndefined();
    const calls = clean.faulty.calls;
    expect(calls).toBeGreaterThan(30);
    expect(ops).toHaveLength(calls);
    let stopped = 0;
    let passedOver = 0;
    for (const [name, fault] of faults) {
      for (let at = 1; at <= calls; at += 1) {
        // A short write is a write's fault, and data reaching the disk a sync's.
        const isAppend = ops[at - 1] === 'append';
        if (
          (fault.kind === 'short' && !isAppend) ||
          (fault.kind === 'eio' && fault.reached === true && isAppend)
        ) {
          continue;
        }
        const plan = faultAt(at, fault);
        const result = await run(plan);
        const injected = result.faulty.injected[0];
        expect(injected?.op).toBe(ops[at - 1]);
        if (injected === undefined) continue;
        const where = `${name} at call ${at} (${injected.op} ${injected.path})`;
        const refused = result.outcomes.map(
          (outcome) => !outcome.ok && outcome.reason === 'storage_failed',
        );
        if (result.failure === undefined) {
          // Only a snapshot failed: logged and passed over, every command answered.
          expect(stopsTheJournal(injected), where).toBe(false);
          expect(refused.filter(Boolean), where).toEqual([]);
          passedOver += 1;
        } else {
          stopped += 1;
          expect(result.failure.message, where).toMatch(/EIO|ENOSPC/);
          // Answers before the failure are outcomes; from the first storage_failed on, nothing else.
          const first = refused.indexOf(true);
          expect(first, where).toBeGreaterThanOrEqual(0);
          expect(refused.slice(first).every(Boolean), where).toBe(true);
          expect(result.fatal.join(''), where).toMatch(/could not make .* durable/);
          // Nothing applied after the failed append was acknowledged.
          expect(result.log.ackedSeq, where).toBeLessThan(result.log.applied.at(-1)!.seq);
        }
        await recoverAndCheck(result, 'durable-entries', 0, where);
        await recoverAndCheck(result, 'all-entries', Number.MAX_SAFE_INTEGER, where);
      }
    }
    // Both paths were exercised, for every kind of fault.
    expect(stopped).toBeGreaterThan(faults.length * 5);
    expect(passedOver).toBeGreaterThan(faults.length * 3);
  }, 60_000);

  it('a short write, then a power cut at any later step: recovery keeps every acknowledged command', async () => {
    const clean = await run({});
    // The middle of the run: a segment write among commands that come in bursts.
    let target = 0;
    const plan: FaultPlan = {
      faultFor: (call) => {
        if (call.op !== 'append' || !call.path.endsWith('.log')) return undefined;
        target += 1;
        return target === 12 ? { kind: 'short', bytes: 13 } : undefined;
      },
    };
    const result = await run(plan);
    expect(result.failure?.message).toMatch(/ENOSPC/);
    expect(clean.log.applied.length).toBeGreaterThan(result.log.ackedSeq);
    const cutAt = result.disk.operations.findIndex((op) => /^write 13 bytes/.test(op));
    expect(cutAt).toBeGreaterThan(0);
    let images = 0;
    for (const [index, checkpoint] of result.disk.checkpoints.entries()) {
      if (index < cutAt - 3) continue;
      for (const variant of ['durable-entries', 'all-entries'] as const) {
        for (const tail of SimulatedDisk.cuts(checkpoint, true)) {
          await recoverAndCheck(
            result,
            variant,
            tail,
            `step ${index} (${checkpoint.op})`,
            checkpoint,
          );
          images += 1;
        }
      }
    }
    expect(images).toBeGreaterThan(10);
  });

  it('a slow disk acknowledges everything, in order, and loses nothing', async () => {
    const result = await run({
      syncDelay: (call) =>
        new Promise((resolve) => setTimeout(resolve, call.op === 'syncDirectory' ? 3 : 1)),
    });
    expect(result.failure).toBeUndefined();
    expect(
      result.outcomes.filter((outcome) => !outcome.ok && outcome.reason === 'storage_failed'),
    ).toEqual([]);
    expect(result.log.ackedSeq).toBe(result.log.applied.at(-1)!.seq);
    const seq = await recoverAndCheck(result, 'durable-entries', 0, 'slow disk');
    expect(seq).toBe(result.log.ackedSeq);
  });
});
