/**
 * What the journal tests drive: a deterministic mix of ledger mutations from a seed, and a log
 * that passes batches on and keeps a copy of every command once its batch is acknowledged.
 */
import type { CommandLog } from '../../src/engine/command-log.js';
import type { StampedCommand } from '../../src/engine/commands.js';
import type { LedgerMutation } from './ledger-commands.js';

/** Passes batches to the journal and keeps a copy of every stamped command. */
export class TeeLog implements CommandLog {
  readonly commands: StampedCommand[] = [];
  constructor(private readonly inner: CommandLog) {}
  /** Called with the batch's last sequence number once the inner log has made it durable. */
  onAcknowledged: (seq: number) => void = () => undefined;
  async append(batch: readonly StampedCommand[]) {
    await this.inner.append(batch);
    this.commands.push(...batch);
    this.onAcknowledged((batch[batch.length - 1] as StampedCommand).seq);
  }
  close() {
    return this.inner.close();
  }
}

/** A deterministic mix of mutations (some keyed, some refused) from a seed. */
export function mutations(count: number, seed: number): LedgerMutation[] {
  let state = seed >>> 0;
  const next = (n: number) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % n;
  };
  const names = ['ann', 'bo', 'cy', 'di', 'ed'];
  const list: LedgerMutation[] = [{ type: 'createRaffle', id: 'side', name: 'Side' }];
  for (let i = 0; i < count; i += 1) {
    const raffleId = next(4) === 0 ? 'side' : 'main';
    const key = next(3) === 0 ? `key-${next(30)}` : undefined;
    const roll = next(10);
    const base =
      roll < 5
        ? { type: 'issue' as const, raffleId, username: names[next(5)]!, count: 1 + next(9) }
        : roll < 8
          ? {
              type: 'transfer' as const,
              raffleId,
              from: names[next(5)]!,
              to: names[next(5)]!,
              count: 1 + next(6),
            }
          : { type: 'draw' as const, raffleId };
    list.push(key === undefined ? base : { ...base, idempotencyKey: key });
  }
  return list;
}
