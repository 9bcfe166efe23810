/**
 * Entries of the shared command log: a batch of stamped commands as the bytes every instance
 * applies.
 *
 * An entry is one JSON object: the log format, its position (`index`), the instance that wrote it,
 * a random `nonce` that lets the writer recognise its own entry when an append's answer was lost,
 * and the stamped commands (sequence number, time, random seed in base64, the command as data).
 * Everything `apply` needs travels inside, so every instance that applies the entry reaches the
 * same state. Commands are encoded one at a time, so the writer knows each one's size and can
 * close an entry before it outgrows etcd's request limit; the price is one string join per entry.
 */
import type { Mutation, StampedCommand } from '../engine/commands.js';

/** The entry format this code writes and reads. */
export const logEntryFormat = 1;

export interface LogEntry {
  index: number;
  /** Instance id of the writer (for people reading the log). */
  writer: string;
  /** Random per entry: the writer's own entry has its nonce. */
  nonce: string;
  commands: StampedCommand[];
}

/** An entry as etcd holds it, before it is decoded. */
export interface RawEntry {
  index: number;
  value: Buffer;
}

/** One stamped command as the JSON text an entry holds. */
export function encodeStamped(stamped: StampedCommand): string {
  const json: { seq: number; atMs: number; seed?: string; command: Mutation } = {
    seq: stamped.seq,
    atMs: stamped.atMs,
    command: stamped.command,
  };
  if (stamped.seed !== undefined) json.seed = Buffer.from(stamped.seed).toString('base64');
  return JSON.stringify(json);
}

/** The bytes of an entry around commands already encoded with `encodeStamped`. */
export function encodeEntry(
  header: Omit<LogEntry, 'commands'>,
  commandTexts: readonly string[],
): Buffer {
  const head = JSON.stringify({
    log: logEntryFormat,
    index: header.index,
    writer: header.writer,
    nonce: header.nonce,
  });
  return Buffer.from(`${head.slice(0, -1)},"commands":[${commandTexts.join(',')}]}`);
}

/** Bytes an entry takes besides its commands (an upper bound, for closing entries in time). */
export function entryOverheadBytes(header: Omit<LogEntry, 'commands'>): number {
  return encodeEntry(header, []).length + 64;
}

/** A log entry that is not one this version can read: the instance must stop, not skip it. */
export class LogEntryError extends Error {
  constructor(
    readonly index: number,
    detail: string,
  ) {
    super(`log entry ${index}: ${detail}`);
    this.name = 'LogEntryError';
  }
}

function stampedOf(index: number, json: unknown): StampedCommand {
  const entry = json as { seq?: unknown; atMs?: unknown; seed?: unknown; command?: unknown };
  const command = entry?.command as { kind?: unknown; type?: unknown } | null | undefined;
  if (
    typeof entry !== 'object' ||
    entry === null ||
    !Number.isSafeInteger(entry.seq) ||
    typeof entry.atMs !== 'number' ||
    (entry.seed !== undefined && typeof entry.seed !== 'string') ||
    typeof command !== 'object' ||
    command === null ||
    typeof command.kind !== 'string' ||
    typeof command.type !== 'string'
  ) {
    throw new LogEntryError(index, 'holds something that is not a stamped command');
  }
  return {
    seq: entry.seq as number,
    atMs: entry.atMs,
    seed:
      typeof entry.seed === 'string'
        ? new Uint8Array(Buffer.from(entry.seed, 'base64'))
        : undefined,
    command: command as Mutation,
  };
}

/** Reads an entry back; throws `LogEntryError` when it is not one this version wrote. */
export function decodeEntry(raw: RawEntry): LogEntry {
  let json: {
    log?: unknown;
    index?: unknown;
    writer?: unknown;
    nonce?: unknown;
    commands?: unknown;
  };
  try {
    json = JSON.parse(raw.value.toString('utf8')) as typeof json;
  } catch {
    throw new LogEntryError(raw.index, 'is not JSON');
  }
  if (json.log !== logEntryFormat) {
    throw new LogEntryError(
      raw.index,
      `is in format ${String(json.log)}; this version reads format ${logEntryFormat}`,
    );
  }
  if (json.index !== raw.index) {
    throw new LogEntryError(raw.index, `says it is entry ${String(json.index)}`);
  }
  if (typeof json.writer !== 'string' || typeof json.nonce !== 'string') {
    throw new LogEntryError(raw.index, 'names no writer or nonce');
  }
  if (!Array.isArray(json.commands) || json.commands.length === 0) {
    throw new LogEntryError(raw.index, 'holds no commands');
  }
  return {
    index: raw.index,
    writer: json.writer,
    nonce: json.nonce,
    commands: json.commands.map((command) => stampedOf(raw.index, command)),
  };
}
