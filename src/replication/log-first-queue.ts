/**
 * The writer in front of a shared log: append first, then apply in log order, then answer.
 *
 * Commands that arrive while an append is in flight gather into the next entry. The writer stamps
 * them (sequence numbers after the replica's, a time never earlier than any applied, random bytes
 * where a command needs them), encodes them until the entry would pass `entryBytesMax`, and
 * appends the entry at the index after the replica's with the fenced transaction. Then:
 *
 * - committed: the replica applies it (if the watch has not already) and the callers get the
 *   outcomes the replica computed from the entry's bytes, exactly as every other instance does;
 * - lost (another instance owns the index): the replica applies the winner's entries and the
 *   commands go back to the front of the queue, to be stamped again with new sequence numbers;
 * - no answer: the same bytes are appended again at the same index until etcd answers (the
 *   writer recognises its own entry if an earlier try landed); past `appendGiveUpMs` the callers
 *   get 503 `log_unavailable` — the outcome is then unknown, so the message asks for a retry
 *   with the same idempotency key — and every command still queued is refused the same way
 *   (those were not applied). While etcd does not answer, new writes are refused at once.
 *
 * Reads run at once on the replica's state: they see every write this instance acknowledged and
 * everything it has applied from the others. One entry is in flight at a time; the trade-off is
 * simplicity and exact ownership of each index over the throughput of pipelined appends.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { logEntryBytesMax, logReadEntriesMax, writerSeedChainLength } from '../config/limits.js';
import { refuse, type Refusal } from '../domain/reasons.js';
import type { Submission } from '../engine/command-queue.js';
import type { Mutation, Outcome, StampedCommand } from '../engine/commands.js';
import type { EngineQueue } from '../engine/engine-queue.js';
import type { SharedLog } from './shared-log.js';
import { encodeEntry, encodeStamped, entryOverheadBytes, type RawEntry } from './log-entry.js';
import type { OwnResult, Replica } from './replica.js';
import { WriterSeeds } from './writer-seeds.js';

export interface LogFirstQueueOptions {
  replica: Replica;
  log: SharedLog;
  instanceId: string;
  logger: Logger;
  /** Most commands waiting; past it `submit` answers `queue_full`. */
  queueLengthMax: number;
  /** Most commands in one entry. */
  batchSizeMax: number;
  /** How long an append is retried while etcd does not answer. */
  appendGiveUpMs: number;
  /** @default logEntryBytesMax */
  entryBytesMax?: number;
  /** Called once by `close`, after the last answer: releases the log. */
  onClose?: () => Promise<void>;
  /** Clock for stamps, injected by tests. @default Date.now */
  clock?: () => number;
}

interface Pending {
  mutation: Mutation;
  resolve: (outcome: Outcome<unknown>) => void;
}

type AppendOutcome =
  | { kind: 'committed' }
  | { kind: 'lost'; found: RawEntry[] }
  /** The log no longer holds the index (pruned behind a snapshot): the replica must tell. */
  | { kind: 'passed'; found: RawEntry[] }
  | { kind: 'unknown'; error: unknown };

const notApplied = (): Refusal =>
  refuse(
    'log_unavailable',
    'The shared command log (etcd) is not answering; the request was not applied. Retry after Retry-After.',
  );

const outcomeUnknown = (): Refusal =>
  refuse(
    'log_unavailable',
    'The shared command log (etcd) stopped answering while this request was being written; it may or may not have been applied. Retry with the same idempotency key to get its one answer.',
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LogFirstQueue implements EngineQueue {
  private pending: Pending[] = [];
  private running = false;
  private closed = false;
  private drained: (() => void) | undefined;
  private lastAtMs = 0;
  private readonly seeds = new WriterSeeds(writerSeedChainLength);
  private readonly entryBytesMax: number;
  private readonly clock: () => number;

  batchCount = 0;
  commandCount = 0;
  /** Appends lost to another instance (their commands were stamped again). */
  appendsLost = 0;
  /** Appends that were retried because etcd did not answer in time. */
  appendsRetried = 0;

  constructor(private readonly options: LogFirstQueueOptions) {
    this.entryBytesMax = options.entryBytesMax ?? logEntryBytesMax;
    this.clock = options.clock ?? Date.now;
    if (options.batchSizeMax < 1) throw new Error('LogFirstQueue: batchSizeMax must be at least 1');
  }

  get length(): number {
    return this.pending.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** An entry of the shared log this instance cannot apply (the process is stopping). */
  get failure(): Error | undefined {
    return this.options.replica.failure;
  }

  get failed(): Promise<Error> {
    return this.options.replica.failed;
  }

  /** In a log-first queue whatever is applied is already in the log. */
  get durableSeq(): number {
    return this.options.replica.stateMachine.appliedSeq;
  }

  submit(submission: Submission): Promise<Outcome<unknown>> {
    if (this.closed) {
      return Promise.resolve(refuse('shutting_down', 'The service is shutting down.'));
    }
    if (submission.read !== undefined) {
      this.commandCount += 1;
      return Promise.resolve(submission.read(this.options.replica.stateMachine));
    }
    if (!this.options.log.available || this.options.replica.failure !== undefined) {
      return Promise.resolve(notApplied());
    }
    if (this.pending.length >= this.options.queueLengthMax) {
      return Promise.resolve(
        refuse(
          'queue_full',
          `The command queue holds ${this.options.queueLengthMax} commands; retry later.`,
        ),
      );
    }
    return new Promise((resolve) => {
      this.pending.push({ mutation: submission.mutation, resolve });
      this.kick();
    });
  }

  /** Stops taking commands, writes and answers every queued one, then releases the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.running || this.pending.length > 0) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    }
    await this.options.replica.close();
    await this.options.onClose?.();
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // setImmediate: every request parsed in this turn of the event loop joins the first entry.
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.writeOne();
    } catch (error) {
      // A bug, not an etcd failure (those are outcomes): fail loudly, as the local queue does.
      setImmediate(() => {
        throw error instanceof Error ? error : new Error(String(error));
      });
    } finally {
      this.running = false;
      if (this.pending.length > 0) {
        this.kick();
      } else if (this.drained !== undefined) {
        const drained = this.drained;
        this.drained = undefined;
        drained();
      }
    }
  }

  private async writeOne(): Promise<void> {
    const { replica } = this.options;
    const built = this.buildEntry();
    if (built === undefined) return;
    const { index, bytes, nonce, batch, positions } = built;
    replica.expect(nonce);
    const appended = await this.appendUntilKnown(index, bytes);
    if (appended.kind === 'committed') {
      replica.offer([{ index, value: bytes }]);
      this.answerBatch(batch, positions, replica.resultOf(nonce));
      return;
    }
    if (appended.kind === 'unknown') {
      replica.resultOf(nonce);
      this.options.logger.error(
        { err: appended.error, index, commands: batch.length },
        'etcd did not answer an append in time; its callers get log_unavailable',
      );
      this.answerBatch(batch, positions, undefined);
      this.refuseAll(notApplied);
      return;
    }
    replica.offer(appended.found);
    const last = appended.found.at(-1);
    const behind =
      appended.kind === 'passed' ||
      appended.found.length >= logReadEntriesMax ||
      last === undefined ||
      last.index > replica.index;
    try {
      if (behind) await replica.catchUp();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cannot catch up with the shared log');
    }
    const result = replica.resultOf(nonce);
    if (appended.kind === 'lost') {
      this.requeue(batch);
      if (replica.index < index) this.refuseAll(notApplied);
      return;
    }
    // An earlier try may have landed and been pruned since: the replica, now past this index,
    // applied the entry there (as ours or another's) or loaded a snapshot over it.
    if (result?.applied === true || result?.reason === 'skipped' || replica.index < index) {
      this.answerBatch(batch, positions, result);
      return;
    }
    this.requeue(batch);
  }

  /** Answers the callers of an entry that is in the log, with the outcomes the replica computed. */
  private answerBatch(
    batch: Pending[],
    positions: readonly number[],
    result: OwnResult | undefined,
  ): void {
    this.batchCount += 1;
    this.commandCount += batch.length;
    batch.forEach((pending, i) => {
      const outcome =
        result?.applied === true ? result.outcomes[positions[i] as number] : undefined;
      pending.resolve(outcome ?? outcomeUnknown());
    });
  }

  /** Puts the commands of an entry another writer beat back in front, to be stamped again. */
  private requeue(batch: Pending[]): void {
    this.appendsLost += 1;
    this.pending = [...batch, ...this.pending];
  }

  private refuseAll(refusal: () => Refusal): void {
    const waiting = this.pending;
    this.pending = [];
    for (const pending of waiting) pending.resolve(refusal());
    this.commandCount += waiting.length;
  }

  /** Appends the same bytes at the same index until etcd says whose entry is there. */
  private async appendUntilKnown(index: number, bytes: Buffer): Promise<AppendOutcome> {
    const giveUpAt = Date.now() + this.options.appendGiveUpMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await this.options.log.append(index, bytes, logReadEntriesMax);
        if (result.committed) return { kind: 'committed' };
        const there = result.found[0];
        if (there?.index !== index) return { kind: 'passed', found: result.found };
        // An earlier try landed although its answer was lost: the entry is ours.
        if (there.value.equals(bytes)) return { kind: 'committed' };
        return { kind: 'lost', found: result.found };
      } catch (error) {
        if (Date.now() >= giveUpAt) return { kind: 'unknown', error };
        this.appendsRetried += 1;
        await sleep(Math.min(25 * attempt, 250));
      }
    }
  }

  /**
   * Stamps the queued commands that fit in one entry and encodes them. `positions[i]` is where
   * `batch[i]` sits among the entry's commands (a seed commitment may come before it).
   */
  private buildEntry():
    | { index: number; bytes: Buffer; nonce: string; batch: Pending[]; positions: number[] }
    | undefined {
    const { replica, instanceId } = this.options;
    const machine = replica.stateMachine;
    const header = {
      index: replica.index + 1,
      writer: instanceId,
      nonce: randomBytes(8).toString('hex'),
    };
    let seq = machine.appliedSeq + 1;
    const atMs = Math.max(this.clock(), replica.lastAtMs, this.lastAtMs);
    this.lastAtMs = atMs;
    let budget = this.entryBytesMax - entryOverheadBytes(header);
    const texts: string[] = [];
    const positions: number[] = [];
    const seeds = { commitment: machine.seedCommitment };
    let taken = 0;
    while (taken < this.pending.length && taken < this.options.batchSizeMax) {
      const pending = this.pending[taken] as Pending;
      const before = seeds.commitment;
      const taking = machine.needsSeed(pending.mutation) ? this.seeds.take(seeds) : undefined;
      const commitText =
        taking?.commit === undefined
          ? undefined
          : encodeStamped({ seq, atMs, command: taking.commit });
      const stamped: StampedCommand = {
        seq: commitText === undefined ? seq : seq + 1,
        atMs,
        seed: taking?.seed,
        command: pending.mutation,
      };
      const text = encodeStamped(stamped);
      const bytes =
        Buffer.byteLength(text) +
        1 +
        (commitText === undefined ? 0 : Buffer.byteLength(commitText) + 1);
      if (bytes > budget) {
        seeds.commitment = before;
        if (taken > 0) break;
        this.pending.shift();
        pending.resolve(
          refuse(
            'payload_too_large',
            `This command takes ${bytes} bytes in the shared log, over its entry size of ${this.entryBytesMax} bytes; send it in parts.`,
          ),
        );
        continue;
      }
      budget -= bytes;
      if (commitText !== undefined) {
        texts.push(commitText);
        seq += 1;
      }
      positions.push(texts.length);
      texts.push(text);
      seq += 1;
      taken += 1;
    }
    if (taken === 0) return undefined;
    const batch = this.pending.splice(0, taken);
    const bytes = encodeEntry(header, texts);
    return { index: header.index, bytes, nonce: header.nonce, batch, positions };
  }
}
