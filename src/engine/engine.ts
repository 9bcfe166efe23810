/**
 * The engine: a state machine, the command queue that alone writes to it, and the command log.
 *
 * This is the one object the API layer talks to: `submit(command)` and `close()`. Creating an
 * engine also creates the default raffle through the queue, like any other command, so a log that
 * replays the history sees it too.
 */
import { idempotencyKeysMaxDefault, idempotencyTtlMsDefault } from '../config/limits.js';
import type { CommandLog } from './command-log.js';
import { CommandQueue } from './command-queue.js';
import type { Command, OutcomeOf, StateLimits } from './commands.js';
import { StateMachine } from './state-machine.js';

export interface EngineOptions {
  /** Id of the raffle that exists from the start. @default 'main' */
  defaultRaffleId: string;
  /** Display name of the default raffle. @default 'Main raffle' */
  defaultRaffleName: string;
  rafflesMax: number;
  participantsPerRaffleMax: number;
  /** @default idempotencyKeysMaxDefault */
  idempotencyKeysMax?: number;
  /** @default idempotencyTtlMsDefault */
  idempotencyTtlMs?: number;
  queueLengthMax: number;
  batchSizeMax: number;
  log?: CommandLog;
  /** A state recovered by the log (a journal); a new, empty one when absent. */
  stateMachine?: StateMachine;
  clock?: () => number;
  fillRandom?: (buffer: Uint8Array) => void;
}

export interface EngineStats {
  queueLength: number;
  batchCount: number;
  commandCount: number;
  appliedSeq: number;
  raffleCount: number;
}

export class Engine {
  readonly stateMachine: StateMachine;
  private readonly queue: CommandQueue;

  private constructor(options: EngineOptions) {
    this.stateMachine = options.stateMachine ?? new StateMachine(limitsOf(options));
    this.queue = new CommandQueue({
      stateMachine: this.stateMachine,
      log: options.log,
      queueLengthMax: options.queueLengthMax,
      batchSizeMax: options.batchSizeMax,
      clock: options.clock,
      fillRandom: options.fillRandom,
    });
  }

  /**
   * Creates an engine. Through the queue, like any other command (so a journal records them):
   * the configured limits when the state does not hold them yet, and the default raffle when it
   * does not exist.
   */
  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    const limits = limitsOf(options);
    const state = engine.stateMachine;
    if (state.appliedSeq === 0 || !sameLimits(state.limits, limits)) {
      const configured = await engine.submit({ type: 'configure', limits });
      if (!configured.ok) throw new Error(`engine: cannot set the limits: ${configured.message}`);
    }
    if (state.ledger(options.defaultRaffleId) === undefined) {
      const created = await engine.submit({
        type: 'createRaffle',
        id: options.defaultRaffleId,
        name: options.defaultRaffleName,
      });
      if (!created.ok) {
        throw new Error(`engine: cannot create the default raffle: ${created.message}`);
      }
    }
    return engine;
  }

  submit<C extends Command>(command: C): Promise<OutcomeOf<C>> {
    return this.queue.submit(command);
  }

  /** Answers every queued command, then closes the log; later submits get `shutting_down`. */
  close(): Promise<void> {
    return this.queue.close();
  }

  get isClosed(): boolean {
    return this.queue.isClosed;
  }

  stats(): EngineStats {
    return {
      queueLength: this.queue.length,
      batchCount: this.queue.batchCount,
      commandCount: this.queue.commandCount,
      appliedSeq: this.stateMachine.appliedSeq,
      raffleCount: this.stateMachine.raffleCount,
    };
  }
}

function limitsOf(options: EngineOptions): StateLimits {
  return {
    rafflesMax: options.rafflesMax,
    participantsPerRaffleMax: options.participantsPerRaffleMax,
    idempotencyKeysMax: options.idempotencyKeysMax ?? idempotencyKeysMaxDefault,
    idempotencyTtlMs: options.idempotencyTtlMs ?? idempotencyTtlMsDefault,
  };
}

function sameLimits(a: StateLimits, b: StateLimits): boolean {
  return (
    a.rafflesMax === b.rafflesMax &&
    a.participantsPerRaffleMax === b.participantsPerRaffleMax &&
    a.idempotencyKeysMax === b.idempotencyKeysMax &&
    a.idempotencyTtlMs === b.idempotencyTtlMs
  );
}
