/**
 * One instance's copy of the state, fed by the shared log in etcd: every entry, in log order.
 *
 * Entries arrive three ways — the writer's own appends, a watch on the log prefix, and range reads
 * — and all go through `offer`, which applies an entry only when it is the next one. A later entry
 * means something was missed (a watch that fell behind a compaction, a restart, a stall), and the
 * replica reads ranges from where it stands; when the entries it needs were pruned behind a
 * snapshot, it loads the newest snapshot from etcd and goes on from there. A read of the log tail
 * every `pollMs` catches whatever a silent watch missed, which bounds how stale reads can be.
 *
 * Snapshots: after an entry that carries the sequence number past a multiple of
 * `snapshotEveryCommands`, the instance that wrote that entry serialises the state (a pause, as in
 * the journal) and stores it in etcd in chunks; the two newest are kept, with the log after the
 * older one, and everything before is deleted and etcd's history compacted. The trade-off: one
 * writer per snapshot, chosen by the log without any election, at the price of no snapshot when
 * that writer dies before storing it (the next multiple makes one; the log keeps every entry
 * meanwhile).
 */
import type { Logger } from 'pino';
import { logPollMs, logReadEntriesMax } from '../config/limits.js';
import type { Outcome } from '../engine/commands.js';
import type { KindRegistry } from '../engine/kind.js';
import { StateMachine, type StateMachineLimits } from '../engine/state-machine.js';
import { bufferSource } from '../journal/framing.js';
import { decodeSnapshot, encodeSnapshot } from '../journal/snapshot.js';
import type { SharedLog, SnapshotMeta } from './shared-log.js';
import { decodeEntry, type RawEntry } from './log-entry.js';

export interface ReplicaOptions {
  log: SharedLog;
  registry: KindRegistry;
  /** Limits of a state that starts empty (the log's first `configure` sets its own). */
  initialLimits: StateMachineLimits;
  instanceId: string;
  logger: Logger;
  /** Commands between two snapshots stored in etcd. */
  snapshotEveryCommands: number;
  /** @default logPollMs */
  pollMs?: number;
}

/** What the writer learns about its own entry once the replica has applied it. */
export type OwnResult =
  | { applied: true; outcomes: Outcome<unknown>[] }
  | { applied: false; reason: 'pending' | 'skipped' };

export class Replica {
  readonly stateMachine: StateMachine;
  /** Index of the last log entry applied (0 before any). */
  index = 0;
  /** Latest stamped time applied: a writer never stamps earlier. */
  lastAtMs = 0;
  /** Index of the newest snapshot this instance stored or loaded. */
  snapshotIndex = 0;
  /** Snapshots loaded from etcd (at start, or after falling behind the log kept). */
  snapshotsLoaded = 0;
  entriesApplied = 0;
  /** Watches etcd cancelled (a compaction passed them) or that failed; each was replaced. */
  watchesBroken = 0;
  private readonly own = new Map<string, OwnResult>();
  private catchUpRun: Promise<string> | undefined;
  private catchUpAgain = false;
  private watch: { close(): Promise<void> } | undefined;
  private poll: NodeJS.Timeout | undefined;
  private snapshotting: Promise<void> | undefined;
  private closed = false;
  private stopped: Error | undefined;
  private reportFailure: (error: Error) => void = () => undefined;
  private lastReadFailureLogAt = 0;
  /** Settles with the error that stopped this replica; never settles otherwise. */
  readonly failed = new Promise<Error>((resolve) => {
    this.reportFailure = resolve;
  });

  private constructor(private readonly options: ReplicaOptions) {
    this.stateMachine = new StateMachine(options.registry, options.initialLimits);
  }

  /**
   * Catches up with the log (the newest snapshot, then every entry after it) and starts
   * following it. Throws when etcd cannot be read.
   */
  static async open(options: ReplicaOptions): Promise<Replica> {
    const replica = new Replica(options);
    const started = performance.now();
    const newest = (await options.log.snapshotMetas()).at(-1);
    if (newest !== undefined) await replica.loadSnapshot(newest);
    const revision = await replica.catchUp();
    options.logger.info(
      {
        snapshotIndex: newest?.index ?? 0,
        logIndex: replica.index,
        appliedSeq: replica.stateMachine.appliedSeq,
        ms: Math.round(performance.now() - started),
      },
      'caught up with the shared log',
    );
    replica.follow(revision);
    return replica;
  }

  /** The error that stopped this replica (an entry it cannot apply), if any. */
  get failure(): Error | undefined {
    return this.stopped;
  }

  /** The writer announces an entry of its own, so the replica keeps its outcomes. */
  expect(nonce: string): void {
    this.own.set(nonce, { applied: false, reason: 'pending' });
  }

  /** What became of an entry announced with `expect`; forgets it. */
  resultOf(nonce: string): OwnResult | undefined {
    const result = this.own.get(nonce);
    this.own.delete(nonce);
    return result;
  }

  /** Applies the entries that come next in the log; a gap starts a catch-up. */
  offer(entries: readonly RawEntry[]): void {
    for (const raw of entries) {
      if (this.stopped !== undefined) return;
      if (raw.index <= this.index) continue;
      if (raw.index > this.index + 1) {
        this.catchUp().catch(() => undefined);
        return;
      }
      this.apply(raw);
    }
  }

  /**
   * Reads the log from the next entry to its end (single flight: callers during a run share it
   * and trigger one more). Resolves with the etcd revision of the last read.
   */
  catchUp(): Promise<string> {
    if (this.catchUpRun !== undefined) {
      this.catchUpAgain = true;
      return this.catchUpRun;
    }
    const run = (async () => {
      try {
        let revision: string;
        do {
          this.catchUpAgain = false;
          revision = await this.readToEnd();
        } while (this.catchUpAgain && !this.closed);
        return revision;
      } finally {
        this.catchUpRun = undefined;
      }
    })();
    this.catchUpRun = run;
    return run;
  }

  private async readToEnd(): Promise<string> {
    for (;;) {
      const { entries, revision } = await this.options.log.read(this.index + 1, logReadEntriesMax);
      const first = entries[0];
      if (first !== undefined && first.index > this.index + 1) {
        // The entries this replica needs were pruned behind a snapshot.
        const newest = (await this.options.log.snapshotMetas()).at(-1);
        if (newest === undefined || newest.index < first.index - 1) {
          throw new Error(
            `the log starts at entry ${first.index} and no snapshot covers entry ${this.index + 1}`,
          );
        }
        await this.loadSnapshot(newest);
        continue;
      }
      this.offer(entries);
      if (this.stopped !== undefined) throw this.stopped;
      if (entries.length < logReadEntriesMax) return revision;
    }
  }

  private async loadSnapshot(meta: SnapshotMeta): Promise<void> {
    const started = performance.now();
    const data = await this.options.log.readSnapshot(meta);
    if (meta.index <= this.index) return;
    const image = decodeSnapshot(bufferSource(data));
    if (image.seq !== meta.seq) {
      throw new Error(`snapshot after entry ${meta.index} holds seq ${image.seq}, not ${meta.seq}`);
    }
    const machine = StateMachine.restore(this.options.registry, image);
    machine.checkInvariants();
    // Entries applied while the snapshot was on its way may have passed it.
    if (meta.index <= this.index) return;
    this.stateMachine.adopt(machine);
    this.index = meta.index;
    this.lastAtMs = Math.max(this.lastAtMs, meta.atMs);
    this.snapshotIndex = Math.max(this.snapshotIndex, meta.index);
    this.snapshotsLoaded += 1;
    // Own entries inside the snapshot were applied, but their outcomes are not known here.
    for (const [nonce, result] of this.own) {
      if (!result.applied) this.own.set(nonce, { applied: false, reason: 'skipped' });
    }
    this.options.logger.info(
      {
        index: meta.index,
        seq: meta.seq,
        bytes: meta.bytes,
        ms: Math.round(performance.now() - started),
      },
      'loaded a snapshot from etcd',
    );
  }

  private apply(raw: RawEntry): void {
    const machine = this.stateMachine;
    try {
      const entry = decodeEntry(raw);
      const seqBefore = machine.appliedSeq;
      const first = entry.commands[0]?.seq;
      if (first !== seqBefore + 1) {
        throw new Error(`log entry ${raw.index} starts at command ${first}, not ${seqBefore + 1}`);
      }
      const outcomes: Outcome<unknown>[] = [];
      for (const stamped of entry.commands) {
        const problem = machine.problemWith(stamped.command);
        if (problem !== undefined) throw new Error(`log entry ${raw.index}: ${problem}`);
        outcomes.push(machine.apply(stamped));
        if (stamped.atMs > this.lastAtMs) this.lastAtMs = stamped.atMs;
      }
      this.index = raw.index;
      this.entriesApplied += 1;
      const mine = this.own.has(entry.nonce);
      if (mine) this.own.set(entry.nonce, { applied: true, outcomes });
      const every = this.options.snapshotEveryCommands;
      if (mine && Math.floor(seqBefore / every) < Math.floor(machine.appliedSeq / every)) {
        this.storeSnapshot();
      }
    } catch (error) {
      this.stop(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * An entry this version cannot apply: skipping it would make this instance disagree with the
   * others, so it stops applying, refuses writes, and `failed` tells the entry point to end the
   * process (as when the local journal fails).
   */
  private stop(error: Error): void {
    this.stopped = error;
    this.options.logger.fatal({ err: error, index: this.index + 1 }, 'cannot apply the shared log');
    this.reportFailure(error);
  }

  /** Serialises the state now (between two entries) and stores it in etcd in the background. */
  private storeSnapshot(): void {
    if (this.snapshotting !== undefined || this.closed) return;
    const { log, logger, instanceId } = this.options;
    const started = performance.now();
    const image = this.stateMachine.image();
    const data = Buffer.concat([...encodeSnapshot(image)]);
    const header = { index: this.index, seq: image.seq, atMs: this.lastAtMs, writer: instanceId };
    const pauseMs = Math.round(performance.now() - started);
    this.snapshotting = (async () => {
      try {
        const meta = await log.putSnapshot(header, data);
        this.snapshotIndex = Math.max(this.snapshotIndex, meta.index);
        const metas = await log.snapshotMetas();
        const kept = metas.slice(-2);
        const oldest = kept[0];
        if (kept.length === 2 && oldest !== undefined) await log.prune(oldest, metas.slice(0, -2));
        logger.info(
          { index: meta.index, seq: meta.seq, bytes: meta.bytes, chunks: meta.chunks, pauseMs },
          'snapshot stored in etcd',
        );
      } catch (error) {
        logger.warn(
          { err: error, index: header.index },
          'snapshot not stored; the log keeps every entry until the next one',
        );
      } finally {
        this.snapshotting = undefined;
      }
    })();
  }

  /** Logs why the log cannot be read, at most once per ten seconds (etcd may be down for long). */
  private noteReadFailure(error: unknown): void {
    const now = Date.now();
    if (now - this.lastReadFailureLogAt < 10_000) return;
    this.lastReadFailureLogAt = now;
    this.options.logger.warn({ err: error, index: this.index }, 'cannot read the shared log');
  }

  /** Watches the log from the revision after `revision`, and reads its tail every `pollMs`. */
  private follow(revision: string): void {
    const pollMs = this.options.pollMs ?? logPollMs;
    this.poll = setInterval(() => {
      this.catchUp().catch((error: unknown) => this.noteReadFailure(error));
    }, pollMs);
    this.poll.unref();
    this.watchFrom(revision);
  }

  private watchFrom(revision: string): void {
    if (this.closed) return;
    const next = (BigInt(revision) + 1n).toString();
    this.watch = this.options.log.watch(
      next,
      (raw) => this.offer([raw]),
      (error) => {
        // Cancelled by etcd (a compaction passed it, for one): read ranges, then watch again.
        this.watchesBroken += 1;
        this.options.logger.warn({ err: error }, 'the watch on the log broke; reading ranges');
        const broken = this.watch;
        this.watch = undefined;
        void broken?.close();
        this.rewatch();
      },
    );
  }

  private rewatch(): void {
    if (this.closed) return;
    this.catchUp().then(
      (revision) => this.watchFrom(revision),
      () => {
        setTimeout(() => this.rewatch(), this.options.pollMs ?? logPollMs).unref();
      },
    );
  }

  /** Stops following the log and waits for a snapshot being stored. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    await this.watch?.close();
    await this.catchUpRun?.catch(() => undefined);
    await this.snapshotting;
  }
}
