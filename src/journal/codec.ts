/**
 * Batches of stamped commands to journal payloads and back. A payload is a JSON object naming
 * the journal format and holding an array of stamped commands (the random seed of a draw or a
 * generated raffle id in base64). Each command is stringified on its own and commands are packed
 * into payloads of about `journalRecordFillBytes`, so a batch of any size is encoded in pieces
 * that stay far below V8's string limit.
 *
 * Format 3 names the batch (its first seq) in every payload and closes each batch with a small end
 * record naming its last seq, written before the batch's one fdatasync: a batch counts only once
 * its end record is read, so recovery can tell a batch torn anywhere inside by a crash (never
 * acknowledged) from a batch damaged after it was made durable (see `batches.ts`). Formats 1 and 2
 * are still read: each of their records is a complete batch on its own.
 */
import { journalRecordBytesMax, journalRecordFillBytes } from '../config/limits.js';
import type { Mutation, StampedCommand } from '../engine/commands.js';
import { idempotencyKeyDigest } from '../engine/idempotency.js';
import { packJson } from './packing.js';

/** The journal format this code writes; it also reads formats 1 and 2, any other is refused. */
export const journalFormat = 3;

/**
 * Format 1 predates raffle kinds: its commands carry no `kind`. Every one of them belonged to
 * what is now kind `ledger`, except the engine's own `configure`.
 */
function kindOfFormatOne(type: unknown): string {
  return type === 'configure' ? 'engine' : 'ledger';
}

/** A record that is intact but written in a journal format this version does not read. */
export class JournalFormatError extends Error {
  constructor(
    readonly format: unknown,
    /** Where the record is in its file, once a reader knows it. */
    readonly offset?: number,
  ) {
    super(`journal format ${String(format)}, but this version reads format ${journalFormat}`);
    this.name = 'JournalFormatError';
  }
}

interface StampedJson {
  seq: number;
  atMs: number;
  seed?: string;
  command: Mutation;
}

function toJson(stamped: StampedCommand): StampedJson {
  const json: StampedJson = { seq: stamped.seq, atMs: stamped.atMs, command: stamped.command };
  if (stamped.seed !== undefined) json.seed = Buffer.from(stamped.seed).toString('base64');
  return json;
}

/**
 * The payloads of one batch, in order: commands packed up to `fillBytes` each, then the end record.
 * A single command whose JSON passes `journalRecordBytesMax` cannot be journaled: the edge's body
 * limit keeps every command far below it, so meeting one is a programming error.
 */
export function* encodeBatch(
  batch: readonly StampedCommand[],
  fillBytes = journalRecordFillBytes,
): Generator<Buffer> {
  const first = (batch[0] as StampedCommand).seq;
  const last = (batch[batch.length - 1] as StampedCommand).seq;
  const texts = (function* () {
    for (const stamped of batch) yield JSON.stringify(toJson(stamped));
  })();
  for (const payload of packJson(
    `{"journal":${journalFormat},"batch":${first},"commands":[`,
    ']}',
    texts,
    fillBytes,
  )) {
    if (payload.length > journalRecordBytesMax) {
      throw new Error(`journal: a command of ${payload.length} bytes passes the record bound`);
    }
    yield payload;
  }
  yield Buffer.from(`{"journal":${journalFormat},"batch":${first},"end":${last}}`, 'utf8');
}

function fromJson(json: StampedJson): StampedCommand {
  if (
    typeof json !== 'object' ||
    json === null ||
    !Number.isSafeInteger(json.seq) ||
    typeof json.atMs !== 'number' ||
    typeof json.command !== 'object' ||
    json.command === null ||
    typeof json.command.type !== 'string' ||
    (json.command.kind !== undefined && typeof json.command.kind !== 'string')
  ) {
    throw new Error('not a stamped command');
  }
  return {
    seq: json.seq,
    atMs: json.atMs,
    seed: json.seed === undefined ? undefined : new Uint8Array(Buffer.from(json.seed, 'base64')),
    command: json.command,
  };
}

/** Format 1 kept callers' idempotency keys as sent; commands now carry their digests. */
function fromFormatOne(json: StampedJson): StampedCommand {
  const stamped = fromJson(json);
  const { idempotencyKey } = stamped.command;
  const command = { ...stamped.command, kind: kindOfFormatOne(stamped.command.type) };
  if (typeof idempotencyKey === 'string') {
    command.idempotencyKey = idempotencyKeyDigest(idempotencyKey);
  }
  return { ...stamped, command };
}

/**
 * What one journal record holds: a whole batch (formats 1 and 2), part of the commands of batch
 * `batch` (format 3), or the end of batch `batch`, whose last command is `last`.
 */
export type JournalRecord =
  | { type: 'whole'; commands: StampedCommand[] }
  | { type: 'part'; batch: number; commands: StampedCommand[] }
  | { type: 'end'; batch: number; last: number };

/** Decodes one record's payload; throws when it is not one this codec wrote. */
export function decodeRecord(payload: Buffer): JournalRecord {
  const json = JSON.parse(payload.toString('utf8')) as {
    journal?: unknown;
    batch?: unknown;
    commands?: unknown;
    end?: unknown;
  };
  if (typeof json !== 'object' || json === null || !('journal' in json)) {
    throw new Error('not a journal record');
  }
  if (json.journal !== journalFormat && json.journal !== 2 && json.journal !== 1) {
    throw new JournalFormatError(json.journal);
  }
  if (json.journal === journalFormat) {
    if (!Number.isSafeInteger(json.batch) || (json.batch as number) < 1) {
      throw new Error('not a journal record: no batch');
    }
    const batch = json.batch as number;
    if (json.end !== undefined) {
      if (!Number.isSafeInteger(json.end) || (json.end as number) < batch) {
        throw new Error('not a journal record: a bad batch end');
      }
      return { type: 'end', batch, last: json.end as number };
    }
    return { type: 'part', batch, commands: commandsOf(json.commands, fromJson) };
  }
  const read = json.journal === 1 ? fromFormatOne : fromJson;
  return { type: 'whole', commands: commandsOf(json.commands, read) };
}

function commandsOf(commands: unknown, read: (json: StampedJson) => StampedCommand) {
  if (!Array.isArray(commands) || commands.length === 0) {
    throw new Error('not a batch of commands');
  }
  return commands.map((entry) => read(entry as StampedJson));
}
