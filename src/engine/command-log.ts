/**
 * Where applied mutations go before their callers hear back.
 *
 * The command queue hands each batch of stamped mutations to a `CommandLog` and answers the
 * batch's callers only once `append` has settled. The embedded default is in memory (nothing
 * survives a restart); a journal on disk with group commit, or a shared log such as Redis
 * Streams, plugs in behind the same two methods without any change to `apply`.
 */
import type { StampedCommand } from './commands.js';

export interface CommandLog {
  /**
   * Makes a batch durable. The queue calls it once per batch, never twice at the same time, and
   * acknowledges the batch when it settles. A rejection means the state in memory is ahead of
   * what is durable, so the queue stops the process rather than answer anyone.
   */
  append(batch: readonly StampedCommand[]): void | Promise<void>;
  /** Flushes and releases resources; the queue calls it once, after its last append. */
  close(): Promise<void>;
}

/** Keeps nothing: the default when `DURABILITY=none`. Counts what passed through, for metrics. */
export class MemoryCommandLog implements CommandLog {
  batchesAppended = 0;
  commandsAppended = 0;

  append(batch: readonly StampedCommand[]): void {
    this.batchesAppended += 1;
    this.commandsAppended += batch.length;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
