/**
 * What the engine needs of the writer in front of its state machine.
 *
 * The embedded `CommandQueue` applies a batch and then hands it to a local command log; a shared
 * log needs the other order (append, then apply in log order, then answer), so it brings a writer
 * of its own. Both offer this surface, and the engine takes either without knowing which.
 */
import type { Submission } from './command-queue.js';
import type { Outcome } from './commands.js';

export interface EngineQueue {
  /** Resolves with the command's outcome; refusals resolve as values, the promise never rejects. */
  submit(submission: Submission): Promise<Outcome<unknown>>;
  /** Stops taking commands, answers every queued one, then releases the log. */
  close(): Promise<void>;
  readonly isClosed: boolean;
  /** Commands waiting for the writer. */
  readonly length: number;
  readonly batchCount: number;
  readonly commandCount: number;
  /** Sequence number of the last mutation the log holds durably. */
  readonly durableSeq: number;
  /** Why the writer stopped taking writes for good (its log failed), if it did. */
  readonly failure: Error | undefined;
  /** Settles with that error when it happens, so the process can stop; never settles otherwise. */
  readonly failed: Promise<Error>;
}
