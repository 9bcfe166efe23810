/**
 * The engine: a state machine, the command queue that alone writes to it, and the command log.
 *
 * This is the one object the API layer talks to: `submit(spec, fields)` for a kind's command,
 * `query(spec, fields)` for a kind's read, and `close()`. The engine knows kinds only through the
 * registry it is given. Starting an engine journals the configured limits when the state does
 * not hold them yet, through the queue like any other command, so a replay sees them too.
 */
import type { CommandLog } from './command-log.js';
import { CommandQueue, type SeedSource } from './command-queue.js';
import type { Keyed, Mutation, Outcome, StateLimits } from './commands.js';
import { engineKindName, type BoundCommand, type BoundQuery, type KindRegistry } from './kind.js';
import { limitsText, StateMachine, withDefaultLimits } from './state-machine.js';

export interface EngineOptions {
  /** The kinds the engine serves. */
  registry: KindRegistry;
  rafflesMax: number;
  participantsPerRaffleMax: number;
  /** @default idempotencyKeysMaxDefault */
  idempotencyKeysMax?: number | undefined;
  /** @default idempotencyTtlMsDefault */
  idempotencyTtlMs?: number | undefined;
  /** @default idempotencyBytesMaxDefault */
  idempotencyBytesMax?: number | undefined;
  /** @default idempotencyAnswerBytesMaxDefault */
  idempotencyAnswerBytesMax?: number | undefined;
  queueLengthMax: number;
  batchSizeMax: number;
  /** @default batchBytesMaxDefault */
  batchBytesMax?: number | undefined;
  log?: CommandLog | undefined;
  /** A state recovered by the log (a journal); a new, empty one when absent. */
  stateMachine?: StateMachine | undefined;
  clock?: (() => number) | undefined;
  fillRandom?: ((buffer: Uint8Array) => void) | undefined;
  /** Committed randomness (a seed chain); plain random bytes when absent. */
  seeds?: SeedSource | undefined;
}

export interface EngineStats {
  queueLength: number;
  batchCount: number;
  commandCount: number;
  /** Last mutation applied to the state in memory. */
  appliedSeq: number;
  /** Last mutation the log has made durable; at most `appliedSeq`. */
  durableSeq: number;
  raffleCount: number;
}

/** What callers need of an engine: the API layer depends on this, not on the class. */
export interface CommandSubmitter {
  submit<P, V>(spec: BoundCommand<never, P, V>, fields: P & Keyed): Promise<Outcome<V>>;
  query<P, V>(spec: BoundQuery<never, P, V>, fields: P): Promise<Outcome<V>>;
}

export class Engine implements CommandSubmitter {
  readonly stateMachine: StateMachine;
  private readonly queue: CommandQueue;

  private constructor(options: EngineOptions) {
    this.stateMachine =
      options.stateMachine ?? new StateMachine(options.registry, limitsOf(options));
    this.queue = new CommandQueue({
      stateMachine: this.stateMachine,
      log: options.log,
      queueLengthMax: options.queueLengthMax,
      batchSizeMax: options.batchSizeMax,
      batchBytesMax: options.batchBytesMax,
      clock: options.clock,
      fillRandom: options.fillRandom,
      seeds: options.seeds,
    });
  }

  /** Creates an engine, journaling the configured limits when the state does not hold them. */
  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    const limits = limitsOf(options);
    const state = engine.stateMachine;
    if (state.appliedSeq === 0 || limitsText(state.limits) !== limitsText(limits)) {
      const configured = await engine.submitCommand({
        kind: engineKindName,
        type: 'configure',
        limits,
      });
      if (!configured.ok) throw new Error(`engine: cannot set the limits: ${configured.message}`);
    }
    return engine;
  }

  /** Submits a kind's command with its fields; resolves once it is applied and logged. */
  submit<P, V>(spec: BoundCommand<never, P, V>, fields: P & Keyed): Promise<Outcome<V>> {
    return this.submitCommand({ ...fields, kind: spec.kind, type: spec.type }) as Promise<
      Outcome<V>
    >;
  }

  /** Submits a command as data (as a log holds it). */
  submitCommand(command: Mutation): Promise<Outcome<unknown>> {
    return this.queue.submit({ mutation: command });
  }

  /** Runs a kind's read in order with the writes: it sees every write acknowledged before it. */
  query<P, V>(spec: BoundQuery<never, P, V>, fields: P): Promise<Outcome<V>> {
    return this.queue.submit({ read: (state) => state.query(spec, fields) }) as Promise<Outcome<V>>;
  }

  /** Answers every queued command, then closes the log; later submits get `shutting_down`. */
  close(): Promise<void> {
    return this.queue.close();
  }

  get isClosed(): boolean {
    return this.queue.isClosed;
  }

  /**
   * Why the log failed, once it has: the engine then refuses every command (`storage_failed`)
   * until the service restarts and recovers from what is durable.
   */
  get failure(): Error | undefined {
    return this.queue.failure;
  }

  /** Settles with the log's error when it fails; never settles otherwise. */
  get failed(): Promise<Error> {
    return this.queue.failed;
  }

  stats(): EngineStats {
    return {
      queueLength: this.queue.length,
      batchCount: this.queue.batchCount,
      commandCount: this.queue.commandCount,
      appliedSeq: this.stateMachine.appliedSeq,
      durableSeq: this.queue.durableSeq,
      raffleCount: this.stateMachine.raffleCount,
    };
  }
}

function limitsOf(options: EngineOptions): StateLimits {
  const optional = {
    idempotencyKeysMax: options.idempotencyKeysMax,
    idempotencyTtlMs: options.idempotencyTtlMs,
    idempotencyBytesMax: options.idempotencyBytesMax,
    idempotencyAnswerBytesMax: options.idempotencyAnswerBytesMax,
  };
  const given = Object.fromEntries(
    Object.entries(optional).filter(([, value]) => value !== undefined),
  ) as Partial<StateLimits>;
  return withDefaultLimits({
    rafflesMax: options.rafflesMax,
    participantsPerRaffleMax: options.participantsPerRaffleMax,
    ...given,
  });
}
