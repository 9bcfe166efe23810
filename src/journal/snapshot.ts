/**
 * Snapshots: the whole state as a sequence of framed records, written and read one record at a
 * time.
 *
 * Format 3 (written): every record's payload is a JSON array `[tag, body]`:
 *
 *     ['header',  {format, version, seq, limits, seeds?, head?}]   (head: the audit chain's head hash at seq)
 *     ['section', {kind, version}]        then that kind's own records, packed as
 *     ['records', [record, ...]]          (up to `snapshotRecordFillBytes` a record)
 *     ['idempotency', [[key, kind, fingerprint, atMs, seq, answerBytes, answer | null], ...]]
 *     ['end',     {records}]              (how many records came before it)
 *
 * Records are filled by bytes, not by count, so none grows with the state: a kind's own record
 * must stay below `snapshotKindRecordBytesMax` (a kind chunks its big collections; a larger one
 * is a programming error, and encoding throws), and an idempotency row is bounded by
 * `idempotencyAnswerBytesMax`. The engine's part (header, idempotency) knows no kind; each kind
 * writes and reads its own section with its own version. A snapshot is valid only if every record
 * checks and the end record counts them all, so a snapshot cut short is never taken for a smaller
 * state.
 *
 * Format 2 (read) had one `['record', body]` per kind record and idempotency rows holding the
 * answer as an object. Format 1 (read) predates kinds: object records `{kind: 'header' | 'raffle'
 * | 'draws' | 'participants' | 'idempotency' | 'end'}`; everything between the header and the
 * idempotency records is what is now the section of kind `ledger` at version 1, and its
 * idempotency records all belong to that kind.
 */
import { snapshotKindRecordBytesMax, snapshotRecordFillBytes } from '../config/limits.js';
import type { Outcome, StateLimits } from '../engine/commands.js';
import { idempotencyKeyDigest, type IdempotencyRecord } from '../engine/idempotency.js';
import type { SeedCommitment } from '../engine/seed-chain.js';
import type { SectionImage, StateImage } from '../engine/state-machine.js';
import {
  encodeRecord,
  readRecords,
  type ByteSource,
  type FramedRecord,
  type ScanEnd,
} from './framing.js';
import { packJson } from './packing.js';

const format = 'raffle-snapshot';
const version = 3;
/** The kind every format-1 snapshot record belongs to: the only kind there was. */
const formatOneKind = 'ledger';

type IdempotencyRow = [string, string, string, number, number, number, string | null];
type IdempotencyRowTwo = [string, string, string, number, number, Outcome<unknown>];

type Tagged =
  | [
      'header',
      {
        format: string;
        version: number;
        seq: number;
        limits: StateLimits;
        seeds?: SeedCommitment | undefined;
        head?: string | undefined;
      },
    ]
  | ['section', { kind: string; version: number }]
  | ['records', unknown[]]
  | ['record', unknown]
  | ['idempotency', IdempotencyRow[] | IdempotencyRowTwo[]]
  | ['end', { records: number }];

/** The framed records of a snapshot of `image`, one at a time; the image's iterables are consumed. */
export function* encodeSnapshot(
  image: StateImage,
  fillBytes = snapshotRecordFillBytes,
): Generator<Buffer> {
  let count = 0;
  const frame = (payload: Buffer): Buffer => {
    count += 1;
    return encodeRecord(payload);
  };
  const tagged = (record: Tagged): Buffer => frame(Buffer.from(JSON.stringify(record)));
  yield tagged([
    'header',
    {
      format,
      version,
      seq: image.seq,
      limits: image.limits,
      seeds: image.seeds,
      head: image.head,
    },
  ]);
  for (const section of image.sections) {
    yield tagged(['section', { kind: section.kind, version: section.version }]);
    const texts = (function* () {
      for (const record of section.records) {
        const text = JSON.stringify(record);
        const bytes = text.length * 3 > snapshotKindRecordBytesMax ? Buffer.byteLength(text) : 0;
        if (bytes > snapshotKindRecordBytesMax) {
          throw new Error(
            `snapshot: kind '${section.kind}' wrote a record of ${bytes} bytes, past ` +
              `${snapshotKindRecordBytesMax}; a kind must chunk its big collections`,
          );
        }
        yield text;
      }
    })();
    for (const payload of packJson('["records",[', ']]', texts, fillBytes)) yield frame(payload);
  }
  const rows = (function* () {
    for (const [key, r] of image.idempotency) {
      const row: IdempotencyRow = [
        key,
        r.kind,
        r.fingerprint,
        r.atMs,
        r.seq,
        r.answerBytes,
        r.answer ?? null,
      ];
      yield JSON.stringify(row);
    }
  })();
  for (const payload of packJson('["idempotency",[', ']]', rows, fillBytes)) yield frame(payload);
  yield tagged(['end', { records: count }]);
}

/** Parsed records of a source, with one record of look-ahead (parsed once). */
class RecordCursor<T> {
  private readonly records: Generator<FramedRecord, ScanEnd>;
  private upcoming: T | undefined;
  index = 0;

  constructor(source: ByteSource) {
    this.records = readRecords(source);
    this.advance();
  }

  peek(): T | undefined {
    return this.upcoming;
  }

  take(): T {
    const value = this.upcoming;
    if (value === undefined) throw new Error('a snapshot record is missing');
    this.advance();
    this.index += 1;
    return value;
  }

  private advance(): void {
    const next = this.records.next();
    this.upcoming =
      next.done === true ? undefined : (JSON.parse(next.value.payload.toString('utf8')) as T);
  }
}

/**
 * Checks every record of a snapshot (checksums, and an end record counting them all) and reads
 * its header and end, without keeping any record.
 */
function checkSnapshot(source: ByteSource): { first: unknown; last: unknown; count: number } {
  const records = readRecords(source);
  let first: Buffer | undefined;
  let last: Buffer | undefined;
  let count = 0;
  for (let next = records.next(); ; next = records.next()) {
    if (next.done === true) {
      const problem = next.value.problem;
      if (problem !== undefined) {
        throw new Error(`bad record at offset ${problem.offset}: ${problem.detail}`);
      }
      break;
    }
    first ??= next.value.payload;
    last = next.value.payload;
    count += 1;
  }
  if (count < 2 || first === undefined || last === undefined) {
    throw new Error('fewer records than a header and an end');
  }
  return {
    first: JSON.parse(first.toString('utf8')),
    last: JSON.parse(last.toString('utf8')),
    count,
  };
}

/**
 * Reads a snapshot back as an image for `StateMachine.restore`. Throws, saying what is wrong,
 * when any record fails its checksum, a record is missing or the end record does not count them.
 * Every record is checked first; then records are read and parsed again as the image is consumed,
 * so a large snapshot never exists twice in memory.
 */
export function decodeSnapshot(source: ByteSource): StateImage {
  const { first, last, count } = checkSnapshot(source);
  if (!Array.isArray(first)) {
    return decodeFormatOne(first as FormatOneRecord, last as FormatOneRecord, count, source);
  }
  const header = first as Tagged;
  if (
    header[0] !== 'header' ||
    header[1].format !== format ||
    (header[1].version !== version && header[1].version !== 2)
  ) {
    throw new Error('no snapshot header of a known version');
  }
  const end = last as Tagged;
  if (end[0] !== 'end' || end[1].records !== count - 1) {
    throw new Error('the end record does not count every record: the snapshot is incomplete');
  }
  const cursor = new RecordCursor<Tagged>(source);
  cursor.take();
  const isBody = (record: Tagged | undefined): boolean =>
    record !== undefined && (record[0] === 'records' || record[0] === 'record');
  function* recordsOfSection(): Generator<unknown> {
    while (isBody(cursor.peek())) {
      const record = cursor.take();
      if (record[0] === 'record') yield record[1];
      else if (record[0] === 'records') yield* record[1];
    }
  }
  function* sections(): Generator<SectionImage> {
    for (let record = cursor.peek(); record?.[0] === 'section'; record = cursor.peek()) {
      const section = cursor.take() as ['section', { kind: string; version: number }];
      yield { kind: section[1].kind, version: section[1].version, records: recordsOfSection() };
      // Whatever the kind left of its records is passed over.
      while (isBody(cursor.peek())) cursor.take();
    }
  }
  const rowOf = header[1].version === 2 ? rowFromFormatTwo : rowFromFormatThree;
  function* idempotency(): Generator<[string, IdempotencyRecord]> {
    for (let record = cursor.peek(); record?.[0] !== 'end'; record = cursor.peek()) {
      if (record === undefined || record[0] !== 'idempotency') {
        throw new Error(`unexpected '${String(record?.[0])}' record at index ${cursor.index}`);
      }
      cursor.take();
      for (const row of record[1]) yield rowOf(row);
    }
  }
  return {
    seq: header[1].seq,
    limits: header[1].limits,
    seeds: header[1].seeds,
    head: typeof header[1].head === 'string' ? header[1].head : undefined,
    sections: sections(),
    idempotency: idempotency(),
  };
}

function rowFromFormatThree(row: IdempotencyRow | IdempotencyRowTwo): [string, IdempotencyRecord] {
  const [key, kind, fingerprint, atMs, seq, answerBytes, answer] = row as IdempotencyRow;
  return [key, { kind, fingerprint, atMs, seq, answerBytes, answer: answer ?? undefined }];
}

/** Format 2 kept every answer as an object; it is kept now as its JSON text. */
function rowFromFormatTwo(row: IdempotencyRow | IdempotencyRowTwo): [string, IdempotencyRecord] {
  const [key, kind, fingerprint, atMs, seq, outcome] = row as IdempotencyRowTwo;
  return [key, answerRecord(kind, fingerprint, atMs, seq, outcome)];
}

function answerRecord(
  kind: string,
  fingerprint: string,
  atMs: number,
  seq: number,
  outcome: Outcome<unknown>,
): IdempotencyRecord {
  const answer = JSON.stringify(outcome);
  return { kind, fingerprint, atMs, seq, answer, answerBytes: Buffer.byteLength(answer, 'utf8') };
}

type FormatOneRecord =
  | { kind: 'header'; format: string; version: number; seq: number; limits: StateLimits }
  | { kind: 'raffle' | 'draws' | 'participants' }
  | { kind: 'idempotency'; records: [string, string, number, number, Outcome<unknown>][] }
  | { kind: 'end'; records: number };

function decodeFormatOne(
  header: FormatOneRecord,
  end: FormatOneRecord,
  count: number,
  source: ByteSource,
): StateImage {
  if (header.kind !== 'header' || header.format !== format || header.version !== 1) {
    throw new Error('no snapshot header of a known version');
  }
  if (end.kind !== 'end' || end.records !== count - 1) {
    throw new Error('the end record does not count every record: the snapshot is incomplete');
  }
  const cursor = new RecordCursor<FormatOneRecord>(source);
  cursor.take();
  const isLedger = (record: FormatOneRecord | undefined): boolean =>
    record !== undefined && record.kind !== 'idempotency' && record.kind !== 'end';
  function* ledgerRecords(): Generator<unknown> {
    while (isLedger(cursor.peek())) yield cursor.take();
  }
  function* sections(): Generator<SectionImage> {
    yield { kind: formatOneKind, version: 1, records: ledgerRecords() };
    while (isLedger(cursor.peek())) cursor.take();
  }
  function* idempotency(): Generator<[string, IdempotencyRecord]> {
    for (let record = cursor.peek(); record?.kind !== 'end'; record = cursor.peek()) {
      if (record === undefined || record.kind !== 'idempotency') {
        throw new Error(`unexpected '${String(record?.kind)}' record at index ${cursor.index}`);
      }
      cursor.take();
      for (const [key, fingerprint, atMs, seq, outcome] of record.records) {
        // Format 1 kept callers' keys as sent; records are now filed under their digests.
        yield [
          idempotencyKeyDigest(key),
          answerRecord(formatOneKind, fingerprint, atMs, seq, outcome),
        ];
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
