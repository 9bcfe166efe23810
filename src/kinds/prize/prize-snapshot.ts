/**
 * The prize kind's snapshot section and digest.
 *
 * Records (version 1), per raffle in creation order:
 *
 *     {kind: 'raffle', id, name, ticketCount, createdAtMs, number, drawnAtMs, winners}
 *     {kind: 'prizes', names: [...]}                          (chunks, prize order)
 *     {kind: 'claims', rows: [[ticket, holder, codeHash], ...]} (chunks, claim order)
 *     {kind: 'moved', entries: [[position, value], ...]}      (chunks: the shuffle's sparse map)
 *
 * Chunks hold at most `snapshotChunkEntries` entries, so no record grows with a raffle. Restoring
 * consumes claims and map entries one chunk at a time. The digest writes the same facts as text,
 * with the sparse map sorted by position so that two states holding the same permutation digest
 * alike whatever order their maps were filled in; claims keep their claim order, which is part of
 * the state (an audit reads who claimed in what order).
 */
import type { SnapshotSection } from '../../engine/kind.js';
import { PrizeRaffle, type ClaimRow } from './prize-raffle.js';
import { chunks } from '../../engine/snapshot-chunks.js';

/** The kind's state: raffles by id, and in creation order (index = creation number - 1). */
export interface PrizeRaffles {
  byId: Map<string, PrizeRaffle>;
  created: PrizeRaffle[];
}

export function emptyPrizeRaffles(): PrizeRaffles {
  return { byId: new Map(), created: [] };
}

type PrizeRecord =
  | {
      kind: 'raffle';
      id: string;
      name: string;
      ticketCount: number;
      createdAtMs: number;
      number: number;
      drawnAtMs: number | null;
      winners: number[];
    }
  | { kind: 'prizes'; names: string[] }
  | { kind: 'claims'; rows: ClaimRow[] }
  | { kind: 'moved'; entries: [number, number][] };

function* image(state: PrizeRaffles): Generator<PrizeRecord> {
  for (const raffle of state.created) {
    const { claims, moved, drawnAtMs, winners } = raffle.contents();
    yield {
      kind: 'raffle',
      id: raffle.id,
      name: raffle.name,
      ticketCount: raffle.ticketCount,
      createdAtMs: raffle.createdAtMs,
      number: raffle.number,
      drawnAtMs: drawnAtMs ?? null,
      winners: [...winners],
    };
    for (const names of chunks(raffle.prizes)) yield { kind: 'prizes', names };
    for (const rows of chunks(claims)) yield { kind: 'claims', rows };
    for (const entries of chunks(moved)) yield { kind: 'moved', entries };
  }
}

function restore(records: Iterable<unknown>): PrizeRaffles {
  const state = emptyPrizeRaffles();
  const iterator = records[Symbol.iterator]();
  let next = iterator.next();
  const peek = (): PrizeRecord | undefined => (next.done ? undefined : (next.value as PrizeRecord));
  const advance = (): void => {
    next = iterator.next();
  };
  /** The entries of consecutive records of one kind, one record at a time. */
  function* run<T>(kind: PrizeRecord['kind'], items: (record: PrizeRecord) => T[]): Generator<T> {
    for (let record = peek(); record?.kind === kind; record = peek()) {
      advance();
      yield* items(record);
    }
  }
  while (peek() !== undefined) {
    const raffle = peek();
    if (raffle?.kind !== 'raffle')
      throw new Error(`prize section: '${String(raffle?.kind)}' record where a raffle starts`);
    advance();
    if (state.byId.has(raffle.id)) throw new Error(`prize section: '${raffle.id}' appears twice`);
    if (raffle.number !== state.created.length + 1)
      throw new Error(`prize section: '${raffle.id}' is out of creation order`);
    const prizes = [...run('prizes', (r) => (r.kind === 'prizes' ? r.names : []))];
    const claims = run('claims', (r) => (r.kind === 'claims' ? r.rows : []));
    const moved = run('moved', (r) => (r.kind === 'moved' ? r.entries : []));
    const restored = new PrizeRaffle(
      {
        id: raffle.id,
        name: raffle.name,
        ticketCount: raffle.ticketCount,
        prizes,
        createdAtMs: raffle.createdAtMs,
        number: raffle.number,
      },
      { claims, moved, drawnAtMs: raffle.drawnAtMs ?? undefined, winners: raffle.winners },
    );
    // The constructor reads claims before the map; whatever it left of either is passed over.
    for (const _ of claims) void _;
    for (const _ of moved) void _;
    state.byId.set(restored.id, restored);
    state.created.push(restored);
  }
  return state;
}

export const prizeSnapshot: SnapshotSection<PrizeRaffles> = { version: 1, image, restore };

/** Facts, claims in claim order and the shuffle's map by position, for each raffle. */
export function* prizeDigest(state: PrizeRaffles): Generator<string> {
  for (const raffle of state.created) {
    const { claims, moved, drawnAtMs, winners } = raffle.contents();
    yield JSON.stringify([
      raffle.id,
      raffle.name,
      raffle.ticketCount,
      raffle.prizes,
      raffle.createdAtMs,
      raffle.number,
      drawnAtMs ?? null,
      winners,
    ]);
    for (const [ticket, holder, codeHash] of claims) yield `c:${ticket}:${holder}:${codeHash}`;
    const sorted = [...moved].sort((a, b) => a[0] - b[0]);
    for (const [position, value] of sorted) yield `m:${position}:${value}`;
  }
}
