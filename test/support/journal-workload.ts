/**
 * What the journal tests drive: a journal opened with the tests' settings (snapshots far off,
 * silent), an engine over it, a deterministic mix of ledger mutations from a seed, and a log
 * that passes batches on and keeps a copy of every command once its batch is acknowledged.
 */
import { pino } from 'pino';
import type { CommandLog } from '../../src/engine/command-log.js';
import type { StampedCommand } from '../../src/engine/commands.js';
import type { Engine } from '../../src/engine/engine.js';
import { Journal, type JournalOptions } from '../../src/journal/journal.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import type { LedgerMutation } from './ledger-commands.js';

export const journalTestLimits = { rafflesMax: 10, participantsPerRaffleMax: 1_000 };

/** A journal on `dataDir` that snapshots only when told to, unless `options` say otherwise. */
export function openTestJournal(
  dataDir: string,
  options: Partial<JournalOptions> = {},
): Promise<Journal> {
  return Journal.open({
    dataDir,
    snapshotEveryCommands: 1_000_000,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: journalTestLimits,
    registry: createKindRegistry(),
    ...options,
  });
}

/**
 * An engine on the journal's recovered state, writing through `log` (the journal or a tee), with
 * the tests' limits and a default raffle `main`; `clock` for tests whose records must not expire.
 */
export function engineOver(
  journal: Journal,
  log: CommandLog = journal,
  clock?: () => number,
): Promise<Engine> {
  return startRaffleEngine({
    ...journalTestLimits,
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    queueLengthMax: 1_000,
    batchSizeMax: 1_000,
    log,
    stateMachine: journal.stateMachine,
    clock,
  });
}

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
