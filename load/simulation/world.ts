/**
 * Deterministic simulation: the engine, its command queue and the journal, run against a
 * simulated clock, a simulated disk and a seeded random source, all from one seed.
 *
 * A run is a series of lives of the service. In each, rounds of concurrent commands and reads (a
 * ledger workload with idempotency keys and client retries) go through the real queue into the
 * real journal on the simulated disk, while the clock jumps (forwards, past the idempotency TTL,
 * and backwards), the disk may turn slow, and a fault may be armed (EIO, ENOSPC, a short write).
 * Every answer is checked against the naive reference model as it is given, and after every round
 * the state's invariants and its whole digest are compared with the model's. A life ends with a
 * graceful stop, or a power cut at any step it took (directory entries as synced, all of them, or
 * removals only; the last write cut at any byte; optionally a hole in its unsynced bytes, a later
 * part reaching the disk before an earlier one). Recovery must then give exactly the state after
 * a prefix of the applied commands that holds every acknowledged one, and the next life goes on
 * from there.
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
import {
  submitTo,
  type LedgerMutation,
  type LedgerQuery,
} from '../../test/support/ledger-commands.js';
import { ReferencePrize } from '../../test/support/reference-prize.js';
import { ReferenceStateMachine } from '../../test/support/reference-state-machine.js';
import { prizeKind } from '../../src/kinds/prize/kind.js';
import { SimulatedDisk, type DirectoryVariant } from '../../test/support/simulated-disk.js';
import { randomInt, seededRandom, type Random } from '../history/random.js';

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
  /** Hash of every answer, disk operation and recovery: equal runs, equal fingerprints. */
  fingerprint: string;
}

const dataDir = '/disk/service/data';
const limits = { rafflesMax: 4, participantsPerRaffleMax: 6 };
const engineLimits = { ...limits, idempotencyKeysMax: 8, idempotencyTtlMs: 600_000 };
const names = ['ann', 'bo', 'cy', 'di', 'ed', 'flo', 'gus', 'hal'];
const raffleIds = ['main', 'side', 'third', 'fourth', 'ghost'];
const prizeIds = ['pa', 'pb', 'pc', 'ghost'];
/** Holders and code hashes look like the edge's keyed hashes: 22 base64url characters. */
const holders = ['ann', 'bo', 'cy', 'di', 'ed'].map((name) => name.padEnd(22, '_'));
const codeHashes = ['k1', 'k2', 'k3'].map((name) => name.padEnd(22, '-'));
const prizeNames = ['bike', 'mug', 'car'];
const variants: DirectoryVariant[] = ['durable-entries', 'all-entries', 'removals-only'];

class SimulationFailure extends Error {}

function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new SimulationFailure(message());
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

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, field]) => key !== 'message' && field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, field]) => [key, canonical(field)]),
  );
}

const text = (outcome: Outcome<unknown>): string =>
  JSON.stringify(outcome.ok ? canonical(outcome.value) : outcome.reason);

/** A prize-raffle command or read (the kind's own fields, never keyed: see `submission`). */
type PrizeSubmission =
  | {
      kind: 'prize';
      type: 'createRaffle';
      id?: string;
      name: string;
      ticketCount: number;
      prizes: string[];
    }
  | { kind: 'prize'; type: 'claim'; raffleId: string; holder: string; codeHash: string }
  | { kind: 'prize'; type: 'draw'; raffleId: string }
  | { kind: 'prize'; type: 'getRaffle'; raffleId: string; read: true };

type Submission = LedgerMutation | LedgerQuery | PrizeSubmission;

const isPrize = (submission: Submission): submission is PrizeSubmission =>
  'kind' in submission && submission.kind === 'prize';

/** One run of one seed. */
export class Simulation {
  private readonly random: Random;
  private now = 1_800_000_000_000;
  private disk = new SimulatedDisk();
  /** Every command applied in this timeline, by seq (a crash cuts it back to what recovered). */
  private timeline: StampedCommand[] = [];
  private reference = new ReferenceStateMachine(limits);
  private prize = new ReferencePrize(limits.rafflesMax);
  private readonly hash = createHash('sha256');
  private keyed: Submission[] = [];
  private readonly result: SimulationResult;
  private where = 'start';

  constructor(private readonly options: SimulationOptions) {
    this.random = seededRandom(options.seed);
    this.result = {
      seed: options.seed,
      valid: true,
      answers: 0,
      commands: 0,
      rounds: 0,
      powerCuts: 0,
      stops: 0,
      faults: 0,
      tornWrites: 0,
      holes: 0,
      fingerprint: '',
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

  /** The simulated clock: mostly small steps, sometimes past the TTL, sometimes back. */
  private tick(): void {
    const roll = this.random();
    this.now += roll < 0.05 ? 700_000 : roll < 0.1 ? -this.int(1, 5_000) : this.int(0, 3_000);
  }

  private async live(life: number): Promise<void> {
    this.where = `life ${life}, opening`;
    const faulty = new FaultyFileSystem(this.disk);
    const fileSystem = this.options.lyingDisk === true ? lying(faulty) : faulty;
    const journal = await Journal.open({
      dataDir,
      snapshotEveryCommands: this.int(2, 12),
      snapshotEveryBytes: 2 ** 40,
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
      this.outcomes.set(stamped.seq, text(this.applyToModel(stamped)));
      this.result.commands += 1;
    }
  }

  /** The models' outcome of a stamped command: prize raffles to theirs, the rest to the ledger's. */
  private applyToModel(stamped: StampedCommand): Outcome<unknown> {
    const command = stamped.command as unknown as PrizeSubmission;
    if (command.kind !== 'prize') return this.reference.apply(stamped);
    const seed = stamped.seed as Uint8Array;
    const outcome =
      command.type === 'createRaffle'
        ? this.prize.create(command, seed, stamped.atMs)
        : command.type === 'claim'
          ? this.prize.claim(command, seed)
          : command.type === 'draw'
            ? this.prize.draw(command.raffleId, seed, stamped.atMs)
            : undefined;
    if (outcome === undefined) throw new SimulationFailure(`a read was logged: ${command.type}`);
    return outcome as Outcome<unknown>;
  }

  /** The whole state's digest as the models see it: the ledger's, with the prize kind's lines. */
  private modelDigest(seq: number): string {
    const prizeLines = this.prize.digestLines();
    return this.reference
      .digestText(seq)
      .split('\n')
      .flatMap((line) => (line === 'kind=prize' ? [line, ...prizeLines] : [line]))
      .join('\n');
  }

  private prizeSubmission(): PrizeSubmission {
    const roll = this.random();
    // Mostly a raffle that exists (the model's, which is the service's), so claims sell it out.
    const existing: string[] = [];
    for (const id of prizeIds) {
      if (this.prize.get(id).ok) existing.push(id);
    }
    const raffleId =
      existing.length > 0 && this.random() < 0.8 ? this.pick(existing) : this.pick(prizeIds);
    if (roll < 0.2) {
      const prizes = Array.from({ length: this.int(1, 3) }, () => this.pick(prizeNames));
      const id = this.random() < 0.2 ? undefined : raffleId;
      return {
        kind: 'prize',
        type: 'createRaffle',
        ...(id === undefined ? {} : { id }),
        name: 'P',
        ticketCount: this.int(1, 5),
        prizes,
      };
    }
    if (roll < 0.6) {
      return {
        kind: 'prize',
        type: 'claim',
        raffleId,
        holder: this.pick(holders),
        codeHash: this.pick(codeHashes),
      };
    }
    if (roll < 0.8) return { kind: 'prize', type: 'draw', raffleId };
    return { kind: 'prize', type: 'getRaffle', raffleId, read: true };
  }

  private submit(engine: Engine, submission: Submission): Promise<Outcome<unknown>> {
    if (!isPrize(submission)) return submitTo(engine, submission);
    if (submission.type === 'getRaffle') {
      return engine.query(prizeKind.queries.getRaffle, { raffleId: submission.raffleId });
    }
    return engine.submitCommand(submission);
  }

  private submission(): Submission {
    // Prize commands carry no idempotency key: the kind compares a claim by raffle and holder
    // only, which the ledger's reference of keys does not model.
    if (this.random() < 0.2) return this.prizeSubmission();
    const raffleId = this.random() < 0.5 ? 'main' : this.pick(raffleIds);
    const roll = this.random();
    if (roll < 0.08 && this.keyed.length > 0) return this.pick(this.keyed); // a client's retry
    let command: Submission;
    if (roll < 0.13) {
      command = { type: 'createRaffle', id: this.random() < 0.2 ? undefined : raffleId, name: 'R' };
    } else if (roll < 0.45) {
      command = { type: 'issue', raffleId, username: this.pick(names), count: this.int(1, 20) };
    } else if (roll < 0.62) {
      const [from, to] = [this.pick(names), this.pick(names)];
      command = { type: 'transfer', raffleId, from, to, count: this.int(1, 12) };
    } else if (roll < 0.72) {
      command = { type: 'draw', raffleId };
    } else if (roll < 0.77) {
      const items = Array.from({ length: this.int(1, 3) }, () => ({
        username: this.pick(names),
        count: this.int(1, 5),
      }));
      command = { type: 'issueBulk', raffleId, items };
    } else if (roll < 0.88) {
      return { type: 'getRaffle', raffleId };
    } else {
      return { type: 'getParticipant', raffleId, username: this.pick(names) };
    }
    if (this.random() < 0.3) {
      command = { ...command, idempotencyKey: `key-${this.int(0, 9)}` };
      this.keyed.push(command);
    }
    return command;
  }

  /** One round of concurrent submissions; true when the journal failed in it. */
  private async round(engine: Engine, log: WatchingLog): Promise<boolean> {
    this.tick();
    const submissions = Array.from({ length: this.int(1, 6) }, () => this.submission());
    const from = log.applied.length;
    const answers = await Promise.all(
      submissions.map((submission) => this.submit(engine, submission)),
    );
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
      if (isPrize(submission) && submission.type === 'getRaffle') {
        const expected = text(this.prize.get(submission.raffleId) as Outcome<unknown>);
        check(
          failedAt >= 0 || text(answer) === expected,
          () =>
            `read ${i} ${JSON.stringify(submission)} answered ${text(answer)}, the model says ${expected}`,
        );
        continue;
      }
      if (
        !isPrize(submission) &&
        (submission.type === 'getRaffle' || submission.type === 'getParticipant')
      ) {
        if (failedAt < 0) this.checkRead(submission, answer, i);
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
      const expected = this.expectedOutcome(stamped);
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

  /** The model's outcome of a command already applied to it: kept beside its seq. */
  private readonly outcomes = new Map<number, string>();
  private expectedOutcome(stamped: StampedCommand): string {
    return this.outcomes.get(stamped.seq) ?? 'not applied by the model';
  }

  private checkRead(query: LedgerQuery, answer: Outcome<unknown>, i: number): void {
    const raffle = 'raffleId' in query ? this.reference.raffles.get(query.raffleId) : undefined;
    let expected: string;
    if (raffle === undefined) expected = JSON.stringify('raffle_not_found');
    else if (query.type === 'getRaffle') {
      expected = JSON.stringify(
        canonical({
          id: raffle.id,
          name: raffle.name,
          createdAtMs: raffle.createdAtMs,
          totalTickets: raffle.list.totalWeight,
          participantCount: raffle.list.size,
          drawCount: raffle.draws.length,
        }),
      );
    } else {
      const username = (query as { username: string }).username;
      const tickets = raffle.list.weightOf(username);
      expected = JSON.stringify(
        tickets === 0 ? 'participant_not_found' : canonical({ username, tickets }),
      );
    }
    check(
      text(answer) === expected,
      () =>
        `read ${i} ${JSON.stringify(query)} answered ${text(answer)}, the model says ${expected}`,
    );
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
    check(
      machine.digestText() === this.modelDigest(seq),
      () => `${when}: the state at seq ${seq} differs from the model's`,
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
    this.reference = new ReferenceStateMachine(limits);
    this.prize = new ReferencePrize(limits.rafflesMax);
    this.outcomes.clear();
    for (const stamped of this.timeline) {
      this.outcomes.set(stamped.seq, text(this.applyToModel(stamped)));
    }
    check(
      digest === this.modelDigest(seq),
      () => `recovered state at seq ${seq} is not the state after the first ${seq} commands`,
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
      this.punchHole(image, `${dataDir}/${file}`, tail);
    }
    image.ackedSeq = checkpoint.ackedSeq;
    this.hash.update(`cut ${index} ${variant} ${tail}\n`);
    this.disk = image;
    this.result.powerCuts += 1;
  }

  /** Zeros a range of the last `tail` bytes of a file, keeping what follows it. */
  private punchHole(image: SimulatedDisk, path: string, tail: number): void {
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
  }
}

export function simulate(options: SimulationOptions): Promise<SimulationResult> {
  return new Simulation(options).run();
}
