/**
 * Snapshots: the whole state as a sequence of framed records.
 *
 * Format 2 (written): every record's payload is a JSON array `[tag, body]`:
 *
 *     ['header',  {format, version, seq, limits}]
 *     ['section', {kind, version}]        then that kind's own records, each as ['record', body]
 *     ['idempotency', [[key, kind, fingerprint, atMs, seq, outcome], ...]]   (chunks)
 *     ['end',     {records}]              (how many records came before it)
 *
 * The engine's part (header, idempotency) knows no kind; each kind writes and reads its own
 * section with its own version. A snapshot is valid only if every record checks and the end
 * record counts them all, so a snapshot cut short is never taken for a smaller state.
 *
 * Format 1 (read only) predates kinds: object records `{kind: 'header' | 'raffle' | 'draws' |
 * 'participants' | 'idempotency' | 'end'}`; everything between the header and the idempotency
 * records is what is now the section of kind `ledger` at version 1, and its idempotency records
 * all belong to that kind.
 */
import { snapshotChunkEntries } from '../config/limits.js';
import type { Outcome, StateLimits } from '../engine/commands.js';
import { idempotencyKeyDigest, type IdempotencyRecord } from '../engine/idempotency.js';
import type { SeedCommitment } from '../engine/seed-chain.js';
import type { SectionImage, StateImage } from '../engine/state-machine.js';
import { encodeRecord, scanRecords } from './framing.js';

const format = 'raffle-snapshot';
const version = 2;
/** The kind every format-1 snapshot record belongs to: the only kind there was. */
const formatOneKind = 'ledger';

type IdempotencyRow = [string, string, string, number, number, Outcome<unknown>];

type Tagged =
  | [
      'header',
      {
        format: string;
        version: number;
        seq: number;
        limits: StateLimits;
        seeds?: SeedCommitment | undefined;
      },
    ]
  | ['section', { kind: string; version: number }]
  | ['record', unknown]
  | ['idempotency', IdempotencyRow[]]
  | ['end', { records: number }];

function* chunked<T>(items: Iterable<T>): Generator<T[]> {
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
  const put = (record: Tagged): void => {
    records.push(encodeRecord(Buffer.from(JSON.stringify(record))));
  };
  put(['header', { format, version, seq: image.seq, limits: image.limits, seeds: image.seeds }]);
  for (const section of image.sections) {
    put(['section', { kind: section.kind, version: section.version }]);
    for (const record of section.records) put(['record', record]);
  }
  const rows = (function* (): Generator<IdempotencyRow> {
    for (const [key, r] of image.idempotency)
      yield [key, r.kind, r.fingerprint, r.atMs, r.seq, r.outcome];
  })();
  for (const chunk of chunked(rows)) put(['idempotency', chunk]);
  put(['end', { records: records.length }]);
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
  if (payloads.length < 2) throw new Error('fewer records than a header and an end');
  const parse = (index: number): unknown =>
    JSON.parse((payloads[index] as Buffer).toString('utf8'));
  const first = parse(0);
  const last = payloads.length - 1;
  if (Array.isArray(first)) {
    const header = first as Tagged;
    if (header[0] !== 'header' || header[1].format !== format || header[1].version !== version) {
      throw new Error('no snapshot header of a known version');
    }
    const end = parse(last) as Tagged;
    if (end[0] !== 'end' || end[1].records !== last) {
      throw new Error('the end record does not count every record: the snapshot is incomplete');
    }
    return decodeFormatTwo(header[1], (index) => parse(index) as Tagged, last);
  }
  return decodeFormatOne(
    first as FormatOneRecord,
    (index) => parse(index) as FormatOneRecord,
    last,
  );
}

function decodeFormatTwo(
  header: { seq: number; limits: StateLimits; seeds?: SeedCommitment | undefined },
  parse: (index: number) => Tagged,
  last: number,
): StateImage {
  let cursor = 1;
  // The record at the cursor, parsed once even when a walk looks at it before consuming it.
  let parsedAt = -1;
  let parsed: Tagged | undefined;
  const at = (index: number): Tagged => {
    if (index !== parsedAt || parsed === undefined) {
      parsed = parse(index);
      parsedAt = index;
    }
    return parsed;
  };
  function* recordsOfSection(): Generator<unknown> {
    while (cursor < last) {
      const record = at(cursor);
      if (record[0] !== 'record') return;
      cursor += 1;
      yield record[1];
    }
  }
  function* sections(): Generator<SectionImage> {
    while (cursor < last) {
      const record = at(cursor);
      if (record[0] !== 'section') return;
      cursor += 1;
      yield { kind: record[1].kind, version: record[1].version, records: recordsOfSection() };
      // Whatever the kind left of its records is passed over.
      while (cursor < last && at(cursor)[0] === 'record') cursor += 1;
    }
  }
  function* idempotency(): Generator<[string, IdempotencyRecord]> {
    while (cursor < last) {
      const record = at(cursor);
      if (record[0] !== 'idempotency')
        throw new Error(`unexpected '${record[0]}' record at index ${cursor}`);
      cursor += 1;
      for (const [key, kind, fingerprint, atMs, seq, outcome] of record[1]) {
        yield [key, { kind, fingerprint, atMs, seq, outcome }];
      }
    }
  }
  return {
    seq: header.seq,
    limits: header.limits,
    seeds: header.seeds,
    sections: sections(),
    idempotency: idempotency(),
  };
}

type FormatOneRecord =
  | { kind: 'header'; format: string; version: number; seq: number; limits: StateLimits }
  | { kind: 'raffle' | 'draws' | 'participants' }
  | { kind: 'idempotency'; records: [string, string, number, number, Outcome<unknown>][] }
  | { kind: 'end'; records: number };

function decodeFormatOne(
  header: FormatOneRecord,
  parse: (index: number) => FormatOneRecord,
  last: number,
): StateImage {
  if (header.kind !== 'header' || header.format !== format || header.version !== 1) {
    throw new Error('no snapshot header of a known version');
  }
  const end = parse(last);
  if (end.kind !== 'end' || end.records !== last) {
    throw new Error('the end record does not count every record: the snapshot is incomplete');
  }
  let cursor = 1;
  let parsedAt = -1;
  let parsed: FormatOneRecord | undefined;
  const at = (index: number): FormatOneRecord => {
    if (index !== parsedAt || parsed === undefined) {
      parsed = parse(index);
      parsedAt = index;
    }
    return parsed;
  };
  function* ledgerRecords(): Generator<unknown> {
    while (cursor < last && at(cursor).kind !== 'idempotency') {
      cursor += 1;
      yield at(cursor - 1);
    }
  }
  function* sections(): Generator<SectionImage> {
    yield { kind: formatOneKind, version: 1, records: ledgerRecords() };
    while (cursor < last && at(cursor).kind !== 'idempotency') cursor += 1;
  }
  function* idempotency(): Generator<[string, IdempotencyRecord]> {
    while (cursor < last) {
      const record = at(cursor);
      if (record.kind !== 'idempotency')
        throw new Error(`unexpected '${record.kind}' record at index ${cursor}`);
      cursor += 1;
      for (const [key, fingerprint, atMs, seq, outcome] of record.records) {
        // Format 1 kept callers' keys as sent; records are now filed under their digests.
        yield [idempotencyKeyDigest(key), { kind: formatOneKind, fingerprint, atMs, seq, outcome }];
      }
    }
  }
  return {
    seq: header.seq,
    limits: header.limits,
    sections: sections(),
    idempotency: idempotency(),
  };
}
