/**
 * Snapshots: the whole state as a sequence of framed records.
 *
 *     header        {kind, format, version, seq, limits}
 *     per raffle:   {kind: 'raffle', id, name, createdAtMs, counters}
 *                   {kind: 'draws', draws: [...]}                  (chunks, oldest first)
 *                   {kind: 'participants', entries: [[name, tickets, seq], ...]}  (chunks)
 *     idempotency   {kind: 'idempotency', records: [[key, fingerprint, atMs, seq, outcome], ...]}
 *     end           {kind: 'end', records}  (how many records came before it)
 *
 * A snapshot is valid only if every record checks and the end record counts them all, so a
 * snapshot cut short is never taken for a smaller state. Participants are stored in admission
 * order with their admission seqs, which keeps listing cursors valid across a restart.
 */
import { snapshotChunkEntries } from '../config/limits.js';
import type { StateLimits } from '../engine/commands.js';
import type { IdempotencyRecord, RaffleImage, StateImage } from '../engine/state-machine.js';
import type { DrawRecord } from '../ledger/ledger.js';
import type { WeightedEntry, WeightedSkipListCounters } from '../ledger/weighted-skip-list.js';
import { encodeRecord, scanRecords } from './framing.js';

const format = 'raffle-snapshot';
const version = 1;

type SnapshotRecord =
  | { kind: 'header'; format: string; version: number; seq: number; limits: StateLimits }
  | {
      kind: 'raffle';
      id: string;
      name: string;
      createdAtMs: number;
      counters: WeightedSkipListCounters;
    }
  | { kind: 'draws'; draws: DrawRecord[] }
  | { kind: 'participants'; entries: [string, number, number][] }
  | { kind: 'idempotency'; records: [string, string, number, number, unknown][] }
  | { kind: 'end'; records: number };

function* chunks<T>(items: Iterable<T>): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === snapshotChunkEntries) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** The records of a snapshot of `image`; the image's iterables are consumed. */
export function encodeSnapshot(image: StateImage): Buffer[] {
  const records: Buffer[] = [];
  const put = (record: SnapshotRecord): void => {
    records.push(encodeRecord(Buffer.from(JSON.stringify(record))));
  };
  put({ kind: 'header', format, version, seq: image.seq, limits: image.limits });
  for (const raffle of image.raffles) {
    const { counters, entries, draws } = raffle.contents;
    put({
      kind: 'raffle',
      id: raffle.id,
      name: raffle.name,
      createdAtMs: raffle.createdAtMs,
      counters,
    });
    for (const chunk of chunks(draws)) put({ kind: 'draws', draws: chunk });
    const rows = (function* () {
      for (const entry of entries)
        yield [entry.name, entry.weight, entry.seq] as [string, number, number];
    })();
    for (const chunk of chunks(rows)) put({ kind: 'participants', entries: chunk });
  }
  const keyed = (function* () {
    for (const [key, record] of image.idempotency) {
      yield [key, record.fingerprint, record.atMs, record.seq, record.outcome] as [
        string,
        string,
        number,
        number,
        unknown,
      ];
    }
  })();
  for (const chunk of chunks(keyed)) put({ kind: 'idempotency', records: chunk });
  put({ kind: 'end', records: records.length });
  return records;
}

/**
 * Reads a snapshot back as an image for `StateMachine.restore`. Throws, saying what is wrong,
 * when any record fails its checksum, a record is missing or the end record does not count them.
 * Records are parsed as the image is consumed, so a large snapshot never exists twice in memory.
 */
export function decodeSnapshot(buffer: Buffer): StateImage {
  const scan = scanRecords(buffer);
  if (scan.problem !== undefined) {
    throw new Error(`bad record at offset ${scan.problem.offset}: ${scan.problem.detail}`);
  }
  const { payloads } = scan;
  // The walk below looks at the record after each run (draws, participants) to see where the run
  // ends, then reads it again as the start of the next run: remember the last one parsed, so no
  // chunk of 10,000 entries is parsed twice.
  let parsedIndex = -1;
  let parsedRecord: SnapshotRecord | undefined;
  const parse = (index: number): SnapshotRecord => {
    if (index !== parsedIndex || parsedRecord === undefined) {
      parsedRecord = JSON.parse((payloads[index] as Buffer).toString('utf8')) as SnapshotRecord;
      parsedIndex = index;
    }
    return parsedRecord;
  };
  if (payloads.length < 2) throw new Error('fewer records than a header and an end');
  const header = parse(0);
  if (header.kind !== 'header' || header.format !== format || header.version !== version) {
    throw new Error('no snapshot header of a known version');
  }
  const end = parse(payloads.length - 1);
  if (end.kind !== 'end' || end.records !== payloads.length - 1) {
    throw new Error('the end record does not count every record: the snapshot is incomplete');
  }
  let cursor = 1;
  const last = payloads.length - 1;
  const kindAt = (index: number): SnapshotRecord['kind'] => parse(index).kind;

  function* raffles(): Generator<RaffleImage> {
    while (cursor < last && kindAt(cursor) === 'raffle') {
      const raffle = parse(cursor) as Extract<SnapshotRecord, { kind: 'raffle' }>;
      cursor += 1;
      const draws: DrawRecord[] = [];
      while (cursor < last) {
        const record = parse(cursor);
        if (record.kind !== 'draws') break;
        for (const draw of record.draws) draws.push(draw);
        cursor += 1;
      }
      function* entries(): Generator<WeightedEntry> {
        while (cursor < last) {
          const record = parse(cursor);
          if (record.kind !== 'participants') return;
          cursor += 1;
          for (const [name, weight, seq] of record.entries) yield { name, weight, seq };
        }
      }
      yield {
        id: raffle.id,
        name: raffle.name,
        createdAtMs: raffle.createdAtMs,
        contents: { counters: raffle.counters, entries: entries(), draws },
      };
      // Whatever the consumer left of this raffle's participants is skipped.
      while (cursor < last && kindAt(cursor) === 'participants') cursor += 1;
    }
  }

  function* idempotency(): Generator<[string, IdempotencyRecord]> {
    while (cursor < last) {
      const record = parse(cursor);
      if (record.kind !== 'idempotency') {
        throw new Error(`unexpected '${record.kind}' record at index ${cursor}`);
      }
      cursor += 1;
      for (const [key, fingerprint, atMs, seq, outcome] of record.records) {
        yield [key, { fingerprint, atMs, seq, outcome } as IdempotencyRecord];
      }
    }
  }

  return { seq: header.seq, limits: header.limits, raffles: raffles(), idempotency: idempotency() };
}
