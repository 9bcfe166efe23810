/**
 * Batches of stamped commands to journal payloads and back. A payload is a JSON object naming
 * the journal format and holding an array of stamped commands (the random seed of a draw or a
 * generated raffle id in base64). Each command is stringified on its own and commands are packed
 * into payloads of about `journalRecordFillBytes`, so a batch of any size is encoded in pieces
 * that stay far below V8's string limit. A batch is one payload or several; the queue
 * acknowledges the whole batch only once all of them are durable, so a record torn by a crash only
 * ever holds commands nobody heard back about.
 */
import { journalRecordBytesMax, journalRecordFillBytes } from '../config/limits.js';
import type { Mutation, StampedCommand } from '../engine/commands.js';
import { idempotencyKeyDigest } from '../engine/idempotency.js';
import { packJson } from './packing.js';

/** The journal format this code writes; it also reads format 1, a payload of any other is refused. */
export const journalFormat = 2;

/**
 * Format 1 predates raffle kinds: its commands carry no `kind`. Every one of them belonged to
 * what is now kind `ledger`, except the engine's own `configure`.
 */
function kindOfFormatOne(type: unknown): string {
  return type === 'configure' ? 'engine' : 'ledger';
}

/** A record that is intact but written in a journal format this version does not read. */
export class JournalFormatError extends Error {
  constructor(readonly format: unknown) {
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
 * The payloads of one batch, in order: commands packed up to `fillBytes` each. A single command
 * whose JSON passes `journalRecordBytesMax` cannot be journaled: the edge's body limit keeps every
 * command far below it, so meeting one is a programming error.
 */
export function* encodeBatch(
  batch: readonly StampedCommand[],
  fillBytes = journalRecordFillBytes,
): Generator<Buffer> {
  const texts = (function* () {
    for (const stamped of batch) yield JSON.stringify(toJson(stamped));
  })();
  for (const payload of packJson(
    `{"journal":${journalFormat},"commands":[`,
    ']}',
    texts,
    fillBytes,
  )) {
    if (payload.length > journalRecordBytesMax) {
      throw new Error(`journal: a command of ${payload.length} bytes passes the record bound`);
    }
    yield payload;
  }
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

/** The stamped commands of one payload, in order; throws when it is not one this codec wrote. */
export function decodeBatch(payload: Buffer): StampedCommand[] {
  const json = JSON.parse(payload.toString('utf8')) as { journal?: unknown; commands?: unknown };
  if (typeof json !== 'object' || json === null || !('journal' in json)) {
    throw new Error('not a batch of commands');
  }
  if (json.journal !== journalFormat && json.journal !== 1)
    throw new JournalFormatError(json.journal);
  const commands = json.commands;
  if (!Array.isArray(commands) || commands.length === 0) {
    throw new Error('not a batch of commands');
  }
  const read = json.journal === 1 ? fromFormatOne : fromJson;
  return commands.map((entry) => read(entry as StampedJson));
}
