/**
 * The ledger kind's snapshot section and digest.
 *
 * Records, per raffle in creation order (version 1, the same shapes the snapshots had before
 * there were kinds, so those snapshots read as this section):
 *
 *     {kind: 'raffle', id, name, createdAtMs, counters}
 *     {kind: 'draws', draws: [...]}                                  (chunks, oldest first)
 *     {kind: 'participants', entries: [[name, tickets, seq], ...]}   (chunks, admission order)
 *
 * Chunks hold at most `snapshotChunkEntries` entries, so no record grows with the raffle.
 * Participants keep their admission seqs, which keeps listing cursors valid across a restart;
 * restoring consumes them one chunk at a time, so a large raffle never exists twice in memory.
 */
import type { StateLimits } from '../../engine/commands.js';
import type { SnapshotSection } from '../../engine/kind.js';
import { Ledger, type DrawRecord } from './ledger.js';
import type { WeightedEntry, WeightedSkipListCounters } from './weighted-skip-list.js';
import { chunks } from '../../engine/snapshot-chunks.js';

type LedgerRecord =
  | {
      kind: 'raffle';
      id: string;
      name: string;
      createdAtMs: number;
      counters: WeightedSkipListCounters;
    }
  | { kind: 'draws'; draws: DrawRecord[] }
  | { kind: 'participants'; entries: [string, number, number][] };

function* image(raffles: Map<string, Ledger>): Generator<LedgerRecord> {
  for (const ledger of raffles.values()) {
    const { counters, entries, draws } = ledger.contents();
    yield {
      kind: 'raffle',
      id: ledger.id,
      name: ledger.name,
      createdAtMs: ledger.createdAtMs,
      counters,
    };
    for (const chunk of chunks(draws)) yield { kind: 'draws', draws: chunk };
    const rows = (function* () {
      for (const entry of entries)
        yield [entry.name, entry.weight, entry.seq] as [string, number, number];
    })();
    for (const chunk of chunks(rows)) yield { kind: 'participants', entries: chunk };
  }
}

function restore(
  records: Iterable<unknown>,
  _version: number,
  limits: StateLimits,
): Map<string, Ledger> {
  const raffles = new Map<string, Ledger>();
  const iterator = records[Symbol.iterator]();
  let next = iterator.next();
  const peek = (): LedgerRecord | undefined =>
    next.done ? undefined : (next.value as LedgerRecord);
  const advance = (): void => {
    next = iterator.next();
  };
  while (peek() !== undefined) {
    const raffle = peek();
    if (raffle?.kind !== 'raffle')
      throw new Error(`ledger section: '${String(raffle?.kind)}' record where a raffle starts`);
    advance();
    const draws: DrawRecord[] = [];
    for (let record = peek(); record?.kind === 'draws'; record = peek()) {
      for (const draw of record.draws) draws.push(draw);
      advance();
    }
    const entries = (function* (): Generator<WeightedEntry> {
      for (let record = peek(); record?.kind === 'participants'; record = peek()) {
        advance();
        for (const [name, weight, seq] of record.entries) yield { name, weight, seq };
      }
    })();
    if (raffles.has(raffle.id))
      throw new Error(`ledger section: raffle '${raffle.id}' appears twice`);
    const ledger = new Ledger(
      {
        id: raffle.id,
        name: raffle.name,
        createdAtMs: raffle.createdAtMs,
        levelSeed: raffle.counters.randomState,
        participantsMax: limits.participantsPerRaffleMax,
      },
      { counters: raffle.counters, entries, draws },
    );
    // Whatever the ledger left of its participants is passed over.
    for (const _ of entries) void _;
    raffles.set(raffle.id, ledger);
  }
  return raffles;
}

export const ledgerSnapshot: SnapshotSection<Map<string, Ledger>> = { version: 1, image, restore };

/** Stats, admission counter, every balance in order and the draw history of each raffle. */
export function* ledgerDigest(raffles: Map<string, Ledger>): Generator<string> {
  for (const ledger of raffles.values()) {
    const { counters, entries, draws } = ledger.contents();
    yield JSON.stringify(ledger.stats());
    yield `nextSeq=${counters.nextSeq}`;
    for (const entry of entries) yield `${entry.seq}:${entry.name}:${entry.weight}`;
    yield JSON.stringify(draws);
  }
}
