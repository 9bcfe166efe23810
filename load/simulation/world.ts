/**
 * Deterministic simulation: the engine, its command queue and the journal, run against a
 * simulated clock, a simulated disk and a seeded random source, all from one seed.
 *
 * A run is a series of lives of the service. In each, rounds of concurrent commands and reads
 * (ledger raffles with idempotency keys and client retries, prize raffles, and instant-win
 * campaigns) go through the real queue into the real journal on the simulated disk, while the
 * clock jumps (forwards, past the idempotency TTL, hours ahead across the campaigns' midnights,
 * and backwards), the disk may turn slow, and a fault may be armed (EIO, ENOSPC, a short write).
 * Every answer is checked against the naive reference models as it is given, and after every
 * round the state's invariants and its whole digest are compared with the models'. A life ends
 * with a graceful stop, or a power cut at any step it took (directory entries as synced, all of
 * them, or removals only; the last write cut at any byte; optionally a hole in its unsynced bytes,
 * a later part reaching the disk before an earlier one). Records are often filled with a few
 * commands only, so that a batch spans several records and is torn or holed in its middle.
 * Recovery must then give exactly the state after a prefix of the applied commands that holds
 * every acknowledged one, and the next life goes on from there.
 *
 * Nothing here reads the wall clock or real randomness, and the disk takes event-loop turns, not
 * time, so a seed replays exactly: the run's fingerprint (a hash of every answer, every disk
 * operation and every recovery) is the same each time. The trade-off: the simulation covers what
 * the process can observe through its seams (answers, the disk as the seam sees it), not the
 * kernel's page cache itself.
 */
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import type { CommandLog } from '../../src/engine/command-log.js';
import type { Outcome, StampedCommand } from '../../src/engine/commands.js';
import type { Engine } from '../../src/engine/engine.js';
import type { JournalFile, JournalFileSystem } from '../../src/journal/file-system.js';
import { Journal } from '../../src/journal/journal.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import {
  FaultyFileSystem,
  type Fault,
  type FaultPlan,
} from '../../test/support/faulty-file-system.js';
import { SimulatedDisk, type DirectoryVariant } from '../../test/support/simulated-disk.js';
import { randomInt, seededRandom, type Random } from '../history/random.js';
import { SimulationModels, text } from './models.js';
import { isCampaign, isRead, submit, Workload, type CampaignSubmission } from './workload.js';

export interface SimulationOptions {
  seed: number;
  /** Lives of the service (each ends in a stop or a crash). @default 6 */
  lives?: number;
  /** Rounds of concurrent commands in a life, at most. @default 10 */
  rounds?: number;
  /**
   * Crash images may hold a hole in the unsynced bytes of the file written last (a later part
   * of the write reached the disk, an earlier one did not). @default false
   */
  holes?: boolean;
  /** A planted bug: the disk says a segment's fdatasync succeeded without doing it. */
  lyingDisk?: boolean;
}

/** The counts a run adds up, all zero: what a seed starts from and what a soak sums into. */
export function zeroCounts() {
  return {
    answers: 0,
    commands: 0,
    powerCuts: 0,
    stops: 0,
    faults: 0,
    tornWrites: 0,
    holes: 0,
    holesMidBatch: 0,
  };
}

export interface SimulationResult {
  seed: number;
  valid: boolean;
  /** What broke, where, when not valid. */
  failure?: string | undefined;
  /** Answers checked against the model. */
  answers: number;
  /** Commands applied (stamped) over all lives. */
  commands: number;
  rounds: number;
  /** Restarts after a power cut, after a graceful stop, and faults injected. */
  powerCuts: number;
  stops: number;
  faults: number;
  /** Crash images whose last write was cut inside. */
  tornWrites: number;
  holes: number;
  /** Holes that start in an earlier write of the batch than the one cut (records of it follow). */
  holesMidBatch: number;
  /** Hash of every answer, disk operation and recovery: equal runs, equal fingerprints. */
  fingerprint: string;
  /**
   * How campaign submissions were answered, by type and outcome (`draw won`, `draw lost`,
   * `redeem coupon_already_redeemed`…): what shows the seeds reach each case of the kind.
   */
  campaignCases: Record<string, number>;
}

const dataDir = '/disk/service/data';
const limits = { rafflesMax: 4, participantsPerRaffleMax: 6 };
const engineLimits = { ...limits, idempotencyKeysMax: 8, idempotencyTtlMs: 600_000 };
const variants: DirectoryVariant[] = ['durable-entries', 'all-entries', 'removals-only'];

class SimulationFailure extends Error {}

function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new SimulationFailure(message());
}

/** Where two digest texts first part, for a failure message: the state's line and the model's. */
function firstDifference(actual: string, expected: string): string {
  const [a, b] = [actual.split('\n'), expected.split('\n')];
  let line = 0;
  while (line < a.length && a[line] === b[line]) line += 1;
  return ` (line ${line + 1}: the state has ${a[line] ?? 'nothing'}, the model ${b[line] ?? 'nothing'})`;
}

/** Keeps every batch handed to the journal and stamps acknowledgements into the disk's steps. */
class WatchingLog implements CommandLog {
  readonly applied: StampedCommand[] = [];
  constructor(
    private readonly inner: CommandLog,
    private readonly disk: SimulatedDisk,
  ) {}
  async append(batch: readonly StampedCommand[]): Promise<void> {
    this.applied.push(...batch);
    await this.inner.append(batch);
    this.disk.acknowledge((batch[batch.length - 1] as StampedCommand).seq);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The planted bug: segment syncs succeed without reaching the disk below. */
function lying(inner: JournalFileSystem): JournalFileSystem {
  const wrap = (file: JournalFile): JournalFile =>
    file.path.endsWith('.log') ? { ...file, datasync: () => Promise.resolve() } : file;
  return {
    ...inner,
    exists: (path) => inner.exists(path),
    makeDirectory: (path) => inner.makeDirectory(path),
    list: (dir) => inner.list(dir),
    openExisting: (path) => wrap(inner.openExisting(path)),
    openAppend: (path) => wrap(inner.openAppend(path)),
    create: (path) => inner.create(path),
    rename: (from, to) => inner.rename(from, to),
    remove: (path) => inner.remove(path),
    syncDirectory: (dir) => inner.syncDirectory(dir),
    lock: (path) => inner.lock(path),
  };
}

/** One run of one seed. */
export class Simulation {
  private readonly random: Random;
  private now = 1_800_000_000_000;
  private disk = new SimulatedDisk();
  /** Every command applied in this timeline, by seq (a crash cuts it back to what recovered). */
  private timeline: StampedCommand[] = [];
  private readonly models = new SimulationModels(limits);
  private readonly workload: Workload;
  private readonly hash = createHash('sha256');
  private readonly result: SimulationResult;
  private where = 'start';

  constructor(private readonly options: SimulationOptions) {
    this.random = seededRandom(options.seed);
    this.workload = new Workload(this.random, this.models, () => this.now);
    this.result = {
      seed: options.seed,
      valid: true,
      ...zeroCounts(),
      rounds: 0,
      fingerprint: '',
      campaignCases: {},
    };
  }

  async run(): Promise<SimulationResult> {
    try {
      for (let life = 0; life < (this.options.lives ?? 6); life += 1) await this.live(life);
    } catch (error) {
      this.result.valid = false;
      const message = error instanceof Error ? error.message : String(error);
      this.result.failure = `${this.where}: ${error instanceof SimulationFailure ? '' : 'threw '}${message}`;
    }
    this.result.fingerprint = this.hash.digest('hex').slice(0, 16);
    return this.result;
  }

  private int(min: number, max: number): number {
    return randomInt(this.random, min, max);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  /**
   * The simulated clock: mostly small steps, sometimes past the TTL, sometimes back, and now and
   * then hours ahead, across midnight in the campaigns' zones.
   */
  private tick(): void {
    const roll = this.random();
    this.now +=
      roll < 0.05
        ? 700_000
        : roll < 0.1
          ? -this.int(1, 5_000)
          : roll < 0.16
            ? this.int(3 * 3_600_000, 30 * 3_600_000)
            : this.int(0, 3_000);
  }

  private async live(life: number): Promise<void> {
    this.where = `life ${life}, opening`;
    const faulty = new FaultyFileSystem(this.disk);
    const fileSystem = this.options.lyingDisk === true ? lying(faulty) : faulty;
    const journal = await Journal.open({
      dataDir,
      snapshotEveryCommands: this.int(2, 12),
      snapshotEveryBytes: 2 ** 40,
      // Mostly records of a few commands or one, so batches span several records and a power
      // cut can tear or hole a batch in its middle; sometimes the service's default.
      recordFillBytes: this.random() < 0.25 ? undefined : this.int(64, 600),
      logger: pino({ level: 'silent' }),
      initialLimits: limits,
      registry: createKindRegistry(),
      fileSystem,
    });
    this.checkRecovered(journal.stateMachine.appliedSeq, journal.stateMachine.digestText());
    const lifeStart = this.disk.checkpoints.length;
    const log = new WatchingLog(journal, this.disk);
    this.followed = 0;
    const engine = await startRaffleEngine({
      ...engineLimits,
      defaultRaffleId: 'main',
      defaultRaffleName: 'Main',
      queueLengthMax: 1_000,
      batchSizeMax: this.int(1, 4),
      log,
      stateMachine: journal.stateMachine,
      clock: () => this.now,
      fillRandom: (buffer) => {
        for (let i = 0; i < buffer.length; i += 1) buffer[i] = this.int(0, 255);
      },
    });
    this.follow(log);
    this.checkState(engine, 'after start-up');
    faulty.plan = this.plan();
    let failed = false;
    const rounds = this.int(1, this.options.rounds ?? 10);
    for (let round = 0; round < rounds && !failed; round += 1) {
      this.where = `life ${life}, round ${round}`;
      failed = await this.round(engine, log);
      this.result.rounds += 1;
    }
    this.result.faults += faulty.injected.length;
    this.where = `life ${life}, stopping`;
    const graceful = !failed && this.random() < 0.3;
    await engine.close().catch(() => undefined);
    this.follow(log);
    if (graceful) {
      // Closed cleanly: the same disk, everything on it; recovery must hold every command.
      this.result.stops += 1;
      this.disk.ackedSeq = this.timeline.at(-1)?.seq ?? 0;
      this.hash.update(`stop ${this.disk.operations.length}\n`);
      return;
    }
    this.powerCut(lifeStart);
  }

  /** A fault for this life, or none: where and what it is come from the seed. */
  private plan(): FaultPlan {
    const plan: FaultPlan = {};
    if (this.random() < 0.3) {
      // A slow disk: syncs take a varying number of event-loop turns.
      const turns = this.int(1, 6);
      plan.syncDelay = async () => {
        for (let turn = this.int(0, turns); turn > 0; turn -= 1) {
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
    }
    if (this.random() < 0.4) {
      const at = this.int(1, 60);
      const fault: Fault = this.pick<Fault>([
        { kind: 'eio' },
        { kind: 'eio', reached: true },
        { kind: 'enospc' },
        { kind: 'short', bytes: this.int(1, 40) },
      ]);
      let seen = 0;
      plan.faultFor = () => {
        seen += 1;
        return seen === at ? fault : undefined;
      };
    }
    return plan;
  }

  /** How many of the current life's logged commands the model has applied. */
  private followed = 0;

  /** Applies to the model, in order, the commands the log received that it has not seen. */
  private follow(log: WatchingLog, until = log.applied.length): void {
    for (; this.followed < until; this.followed += 1) {
      const stamped = log.applied[this.followed] as StampedCommand;
      this.timeline.push(stamped);
      this.models.apply(stamped);
      this.result.commands += 1;
    }
  }

  /** One round of concurrent submissions; true when the journal failed in it. */
  private async round(engine: Engine, log: WatchingLog): Promise<boolean> {
    this.tick();
    const submissions = Array.from({ length: this.int(1, 6) }, () => this.workload.next());
    const from = log.applied.length;
    const answers = await Promise.all(submissions.map((submission) => submit(engine, submission)));
    // The queue stamps mutations in arrival order, so the log received them in submission order.
    let next = from;
    let failedAt = -1;
    for (const [i, submission] of submissions.entries()) {
      const answer = answers[i] as Outcome<unknown>;
      this.hash.update(`${submission.type} ${text(answer)}\n`);
      this.result.answers += 1;
      const refusedForStorage = !answer.ok && answer.reason === 'storage_failed';
      if (failedAt >= 0) {
        check(refusedForStorage, () => `answer ${i} after a storage failure: ${text(answer)}`);
      } else if (refusedForStorage) {
        failedAt = i;
      }
      if (isRead(submission)) {
        const expected = this.models.expectedRead(submission);
        check(
          failedAt >= 0 || text(answer) === expected,
          () =>
            `read ${i} ${JSON.stringify(submission)} answered ${text(answer)}, the model says ${expected}`,
        );
        if (isCampaign(submission)) this.countCase(submission, answer);
        continue;
      }
      if (next >= log.applied.length) {
        check(failedAt >= 0, () => `mutation ${i} answered but never logged`);
        continue;
      }
      const stamped = log.applied[next] as StampedCommand;
      next += 1;
      this.follow(log, next);
      if (failedAt >= 0) continue;
      const expected = this.models.expected(stamped.seq);
      if (isCampaign(submission)) this.countCase(submission, answer);
      check(
        text(answer) === expected,
        () =>
          `${JSON.stringify(submission)} (seq ${stamped.seq}) answered ${text(answer)}, the model says ${expected}`,
      );
    }
    this.follow(log);
    if (failedAt >= 0) {
      check(engine.failure !== undefined, () => 'storage_failed answered, engine not failed');
      return true;
    }
    this.checkState(engine, 'after the round');
    return false;
  }

  /** Counts a campaign command's outcome; a draw the model says lost for want of quota apart. */
  private countCase(submission: CampaignSubmission, answer: Outcome<unknown>): void {
    const outcome = !answer.ok
      ? answer.reason
      : submission.type === 'draw'
        ? (this.models.lastDrawCase(submission.campaignId) ?? 'unknown')
        : 'ok';
    const key = `${submission.type} ${outcome}`;
    this.result.campaignCases[key] = (this.result.campaignCases[key] ?? 0) + 1;
  }

  private checkState(engine: Engine, when: string): void {
    const machine = engine.stateMachine;
    machine.checkInvariants();
    const stats = engine.stats();
    check(
      stats.durableSeq === stats.appliedSeq,
      () => `${when}: durable ${stats.durableSeq} ≠ applied ${stats.appliedSeq}`,
    );
    const seq = machine.appliedSeq;
    const [actual, expected] = [machine.digestText(), this.models.digest(seq)];
    check(
      actual === expected,
      () =>
        `${when}: the state at seq ${seq} differs from the model's${firstDifference(actual, expected)}`,
    );
  }

  /** Recovery gave `seq`: a prefix of the timeline holding every acknowledged command. */
  private checkRecovered(seq: number, digest: string): void {
    const acked = this.disk.ackedSeq;
    const last = this.timeline.at(-1)?.seq ?? 0;
    this.hash.update(`recovered ${seq}\n`);
    check(seq >= acked, () => `recovered to seq ${seq}, but ${acked} was acknowledged`);
    check(seq <= last, () => `recovered to seq ${seq}, past the last applied ${last}`);
    this.timeline = this.timeline.filter((stamped) => stamped.seq <= seq);
    this.models.rebuild(this.timeline);
    const expected = this.models.digest(seq);
    check(
      digest === expected,
      () =>
        `recovered state at seq ${seq} is not the state after the first ${seq} commands${firstDifference(digest, expected)}`,
    );
    this.disk.ackedSeq = seq;
  }

  /** A power cut at a step of this life; the next life starts from what it left. */
  private powerCut(lifeStart: number): void {
    const checkpoints = this.disk.checkpoints;
    const index = this.int(lifeStart, checkpoints.length - 1);
    const checkpoint = checkpoints[index] ?? checkpoints.at(-1);
    if (checkpoint === undefined) return;
    const variant = this.pick(variants);
    const tails = SimulatedDisk.cuts(checkpoint);
    const tail = this.pick(tails);
    this.where = `power cut at step ${index} (${checkpoint.op}), ${variant}, ${tail} bytes of the write`;
    const image = SimulatedDisk.crashImage(checkpoint, variant, tail);
    if (tail > 0 && tail < (tails.at(-1) ?? 0)) this.result.tornWrites += 1;
    const file = SimulatedDisk.wroteTo(checkpoint);
    if (this.options.holes === true && file !== undefined && tail > 1 && this.random() < 0.5) {
      this.punchHole(image, `${dataDir}/${file}`, tail, tails[0] ?? 0);
    }
    image.ackedSeq = checkpoint.ackedSeq;
    this.hash.update(`cut ${index} ${variant} ${tail}\n`);
    this.disk = image;
    this.result.powerCuts += 1;
  }

  /**
   * Zeros a range of the last `tail` bytes of a file, keeping what follows it. The first
   * `earlier` of those bytes are the batch's earlier writes, whole.
   */
  private punchHole(image: SimulatedDisk, path: string, tail: number, earlier: number): void {
    if (!image.exists(path)) return;
    const file = image.openExisting(path);
    const size = file.size();
    const bytes = Buffer.from(file.read(0, size));
    const start = size - tail + this.int(0, tail - 2);
    const end = this.int(start + 1, size - 1);
    bytes.fill(0, start, end);
    file.truncate(0);
    file.append(bytes);
    file.close();
    this.where += `, hole at ${start}..${end}`;
    this.result.holes += 1;
    if (start < size - tail + earlier) this.result.holesMidBatch += 1;
  }
}

export function simulate(options: SimulationOptions): Promise<SimulationResult> {
  return new Simulation(options).run();
}
