/**
 * The engine: a state machine, the command queue that alone writes to it, and the command log.
 *
 * This is the one object the API layer talks to: `submit(command)` and `close()`. Creating an
 * engine also creates the default raffle through the queue, like any other command, so a log that
 * replays the history sees it too.
 */
import type { CommandLog } from './command-log.js';
import { CommandQueue } from './command-queue.js';
import type { Command, OutcomeOf } from './commands.js';
import { StateMachine } from './state-machine.js';

export interface EngineOptions {
  /** Id of the raffle that exists from the start. @default 'main' */
  defaultRaffleId: string;
  /** Display name of the default raffle. @default 'Main raffle' */
  defaultRaffleName: string;
  rafflesMax: number;
  participantsPerRaffleMax: number;
  queueLengthMax: number;
  batchSizeMax: number;
  log?: CommandLog;
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
    this.stateMachine = new StateMachine({
      rafflesMax: options.rafflesMax,
      participantsPerRaffleMax: options.participantsPerRaffleMax,
    });
    this.queue = new CommandQueue({
      stateMachine: this.stateMachine,
      log: options.log,
      queueLengthMax: options.queueLengthMax,
      batchSizeMax: options.batchSizeMax,
      clock: options.clock,
      fillRandom: options.fillRandom,
    });
  }

  /** Creates an engine and its default raffle. */
  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    const created = await engine.submit({
      type: 'createRaffle',
      id: options.defaultRaffleId,
      name: options.defaultRaffleName,
    });
    if (!created.ok && created.reason !== 'raffle_id_taken') {
      throw new Error(`engine: cannot create the default raffle: ${created.message}`);
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
