/**
 * The command queue: the single writer of the state machine.
 *
 * Callers `submit` commands from anywhere; the queue gathers what arrives within one turn of the
 * event loop into a batch, stamps each mutation (sequence number, time, random bytes for draws and
 * generated ids), applies the batch in arrival order, hands its mutations to the command log, and
 * answers every caller of the batch once the log has settled. While the log works on one batch the
 * next one gathers, so a slow log (an fsync) is paid once per batch, not once per command. Reads
 * travel through the same queue, so a read reflects every write acknowledged before it was
 * submitted. Nothing is applied while the log works, so when a batch starts every applied command
 * is durable: the reads that come before the batch's first mutation see durable state only, and
 * are answered at once instead of after the batch's fsync; a read after a mutation of its batch
 * waits for it. The queue is bounded: past `queueLengthMax` waiting commands a
 * caller is refused at once with `queue_full` instead of growing memory without limit. A batch is
 * bounded by count (`batchSizeMax`) and by the estimated JSON bytes of its mutations
 * (`batchBytesMax`), so one journal write never grows with the size of the requests.
 *
 * When the log fails to make a batch durable, the state in memory is ahead of the disk. The queue
 * then answers that batch, everything waiting and everything submitted later with
 * `storage_failed` (never with the outcomes it computed, which nothing durable backs), and settles
 * `failed` so the process can stop and recover from what the log holds.
 */
import { randomFillSync } from 'node:crypto';
import { batchBytesMaxDefault, drawSeedBytes } from '../config/limits.js';
import { refuse } from '../domain/reasons.js';
import type { CommandLog } from './command-log.js';
import { MemoryCommandLog } from './command-log.js';
import type { Mutation, Outcome, StampedCommand } from './commands.js';
import { estimateJsonBytes } from './estimate-bytes.js';
import type { StateMachine } from './state-machine.js';

/**
 * Seeds taken in order; when a new chain starts, `commit` is the command that publishes it, which
 * the queue applies and logs just before the command that gets the first link.
 */
export interface SeedSource {
  take(): { seed: Uint8Array; commit?: Mutation | undefined };
}

/** What the queue carries: a mutation to stamp, apply and log, or a read to run in order. */
export type Submission =
  | { mutation: Mutation; read?: undefined }
  | { mutation?: undefined; read: (state: StateMachine) => Outcome<unknown> };

export interface CommandQueueOptions {
  stateMachine: StateMachine;
  /** Where each batch of mutations goes before it is acknowledged. @default MemoryCommandLog */
  log?: CommandLog;
  /** Most commands waiting; past it `submit` answers `queue_full`. @example 100_000 */
  queueLengthMax: number;
  /** Most commands applied in one batch. @example 10_000 */
  batchSizeMax: number;
  /**
   * Most estimated JSON bytes of the mutations in one batch; a larger mutation is a batch alone.
   * @default batchBytesMaxDefault
   */
  batchBytesMax?: number | undefined;
  /** Clock for stamps, injected by tests. @default Date.now */
  clock?: () => number;
  /** Fills a buffer with random bytes, injected by tests. @default crypto.randomFillSync */
  fillRandom?: ((buffer: Uint8Array) => void) | undefined;
  /**
   * Committed randomness: where seeds come from instead of `fillRandom` (a seed chain whose
   * anchor is journaled before its first link is used). @default undefined
   */
  seeds?: SeedSource | undefined;
}

interface Pending {
  submission: Submission;
  resolve: (outcome: Outcome<unknown>) => void;
}

function storageFailed(): Outcome<never> {
  return refuse(
    'storage_failed',
    'The journal could not make a write durable, so it was not acknowledged; the service takes no more commands until it restarts.',
  );
}

/** Size of the pool random seeds are cut from: one `randomFillSync` call serves many draws. */
const randomPoolBytes = 4096;

export class CommandQueue {
  private readonly stateMachine: StateMachine;
  private readonly log: CommandLog;
  private readonly queueLengthMax: number;
  private readonly batchSizeMax: number;
  private readonly batchBytesMax: number;
  private readonly clock: () => number;
  private readonly fillRandom: (buffer: Uint8Array) => void;
  private readonly seeds: SeedSource | undefined;
  private pending: Pending[] = [];
  private scheduled = false;
  private writing = false;
  private closed = false;
  private drained: (() => void) | undefined;
  private randomPool = new Uint8Array(randomPoolBytes);
  private randomOffset = randomPoolBytes;
  private failureError: Error | undefined;
  private reportFailure: (error: Error) => void = () => undefined;
  /** Settles with the log's error when it fails; never settles otherwise. */
  readonly failed = new Promise<Error>((resolve) => {
    this.reportFailure = resolve;
  });

  /** Batches applied since start. */
  batchCount = 0;
  /** Commands answered since start (mutations and reads). */
  commandCount = 0;
  /** Sequence number of the last mutation the log has made durable (its batch was answered). */
  durableSeq: number;
  /** The last time stamped: stamps never go back, even when the wall clock does. */
  private lastAtMs = 0;

  constructor(options: CommandQueueOptions) {
    this.stateMachine = options.stateMachine;
    this.log = options.log ?? new MemoryCommandLog();
    this.queueLengthMax = options.queueLengthMax;
    this.batchSizeMax = options.batchSizeMax;
    this.batchBytesMax = options.batchBytesMax ?? batchBytesMaxDefault;
    this.clock = options.clock ?? Date.now;
    this.fillRandom = options.fillRandom ?? ((buffer) => randomFillSync(buffer));
    this.seeds = options.seeds;
    this.durableSeq = this.stateMachine.appliedSeq;
    if (this.batchSizeMax < 1) throw new Error('CommandQueue: batchSizeMax must be at least 1');
    if (this.queueLengthMax < this.batchSizeMax) {
      throw new Error('CommandQueue: queueLengthMax must hold at least one batch');
    }
  }

  /** Commands waiting for the writer. */
  get length(): number {
    return this.pending.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The log's error, once it has failed. */
  get failure(): Error | undefined {
    return this.failureError;
  }

  /**
   * Queues a command and resolves with its outcome once it is applied and, for a mutation, its
   * batch is in the log. Refusals (including `queue_full` and `shutting_down`) resolve as values;
   * the promise itself never rejects.
   */
  submit(submission: Submission): Promise<Outcome<unknown>> {
    if (this.failureError !== undefined) return Promise.resolve(storageFailed());
    if (this.closed) {
      return Promise.resolve(refuse('shutting_down', 'The service is shutting down.'));
    }
    if (this.pending.length >= this.queueLengthMax) {
      return Promise.resolve(
        refuse(
          'queue_full',
          `The command queue holds ${this.queueLengthMax} commands; retry later.`,
        ),
      );
    }
    return new Promise<Outcome<unknown>>((resolve) => {
      this.pending.push({ submission, resolve });
      this.schedule();
    });
  }

  /** Stops taking commands, answers every queued one, then closes the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pending.length > 0 || this.writing || this.scheduled) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    }
    await this.log.close();
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn, so every request parsed in the
    // same turn joins the batch.
    setImmediate(() => this.runBatch());
  }

  private runBatch(): void {
    this.scheduled = false;
    const batch = this.takeBatch();
    if (batch.length === 0) {
      this.afterBatch();
      return;
    }
    const outcomes = new Array<Outcome<unknown>>(batch.length);
    const stamped: StampedCommand[] = [];
    /** The index of the batch's first mutation: the reads before it are answered at once. */
    let firstMutation = batch.length;
    const atMs = Math.max(this.clock(), this.lastAtMs);
    this.lastAtMs = atMs;
    for (let i = 0; i < batch.length; i += 1) {
      const { mutation, read } = (batch[i] as Pending).submission;
      if (mutation !== undefined) {
        if (firstMutation === batch.length) firstMutation = i;
        let seed: Uint8Array | undefined;
        if (this.stateMachine.needsSeed(mutation)) {
          const taken = this.seeds?.take() ?? { seed: this.takeSeed() };
          if (taken.commit !== undefined) {
            const commit = { seq: this.stateMachine.appliedSeq + 1, atMs, command: taken.commit };
            const committed = this.stateMachine.apply(commit);
            if (!committed.ok) throw new Error(`seed chain not committed: ${committed.message}`);
            stamped.push(commit);
          }
          seed = taken.seed;
        }
        const entry: StampedCommand = {
          seq: this.stateMachine.appliedSeq + 1,
          atMs,
          seed,
          command: mutation,
        };
        outcomes[i] = this.stateMachine.apply(entry);
        stamped.push(entry);
      } else {
        outcomes[i] = read(this.stateMachine);
      }
    }
    this.batchCount += 1;
    this.answer(batch, outcomes, 0, firstMutation);
    let appended: void | Promise<void>;
    try {
      appended = stamped.length > 0 ? this.log.append(stamped) : undefined;
    } catch (error) {
      this.fail(toError(error), batch.slice(firstMutation));
      return;
    }
    const lastSeq = this.stateMachine.appliedSeq;
    if (appended === undefined) {
      this.durableSeq = lastSeq;
      this.answer(batch, outcomes, firstMutation, batch.length);
      this.afterBatch();
      return;
    }
    this.writing = true;
    appended.then(
      () => {
        this.writing = false;
        this.durableSeq = lastSeq;
        this.answer(batch, outcomes, firstMutation, batch.length);
        this.afterBatch();
      },
      (error: unknown) => {
        this.writing = false;
        this.fail(toError(error), batch.slice(firstMutation));
      },
    );
  }

  /**
   * The state in memory is now ahead of the durable log: answering with the outcomes would
   * acknowledge writes that a restart loses. Every caller, of this batch and after it, is told
   * `storage_failed` instead.
   */
  private fail(error: Error, batch: Pending[]): void {
    this.failureError = error;
    const waiting = this.pending;
    this.pending = [];
    for (const pending of [...batch, ...waiting]) pending.resolve(storageFailed());
    this.commandCount += batch.length + waiting.length;
    this.reportFailure(error);
    this.afterBatch();
  }

  /** Answers `batch[i]` with `outcomes[i]`, for `from <= i < to`. */
  private answer(batch: Pending[], outcomes: Outcome<unknown>[], from: number, to: number): void {
    for (let i = from; i < to; i += 1) {
      (batch[i] as Pending).resolve(outcomes[i] as Outcome<unknown>);
    }
    this.commandCount += to - from;
  }

  private afterBatch(): void {
    if (this.pending.length > 0) {
      this.schedule();
    } else if (this.drained !== undefined && !this.writing) {
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
  }

  /**
   * The next batch: commands in arrival order up to `batchSizeMax` of them and `batchBytesMax`
   * estimated bytes of mutations (at least one command, however large).
   */
  private takeBatch(): Pending[] {
    const limit = Math.min(this.pending.length, this.batchSizeMax);
    let count = 0;
    let bytes = 0;
    while (count < limit) {
      const { mutation } = (this.pending[count] as Pending).submission;
      if (mutation !== undefined) {
        bytes += estimateJsonBytes(mutation);
        if (bytes > this.batchBytesMax && count > 0) break;
      }
      count += 1;
    }
    if (count === this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      return batch;
    }
    const batch = this.pending.slice(0, count);
    this.pending = this.pending.slice(count);
    return batch;
  }

  /** A fresh copy of `drawSeedBytes` random bytes, cut from a pooled buffer. */
  private takeSeed(): Uint8Array {
    if (this.randomOffset + drawSeedBytes > this.randomPool.length) {
      this.randomPool = new Uint8Array(randomPoolBytes);
      this.fillRandom(this.randomPool);
      this.randomOffset = 0;
    }
    const seed = this.randomPool.slice(this.randomOffset, this.randomOffset + drawSeedBytes);
    this.randomOffset += drawSeedBytes;
    return seed;
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
