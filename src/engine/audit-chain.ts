/**
 * The live audit chain: every applied command extends a SHA-256 hash chain, so a published head
 * hash pins the whole history behind it.
 *
 * An entry is the stamped command as the log holds it (sequence number, time, seed in base64,
 * command) plus, for a command that took random bytes, its public answer (`publicOutcome`: the
 * winner, the ticket), and `hash_n = SHA-256(hash_(n-1) ‖ canonical(entry_n))` from a fixed genesis
 * value. The encoding is canonical JSON (object keys sorted, no spaces), so whoever holds an entry
 * recomputes the same bytes whatever order its fields were written in. The chain is computed by
 * the state machine where commands are applied in order, so the journal, the shared log and an
 * auditor's replay all reach the same head; the trade-off is one hash and one sorted encoding per
 * command on the write path (a few microseconds).
 */
import { createHash, hash } from 'node:crypto';
import type { StampedCommand } from './commands.js';

/** The hash before the first command: SHA-256 of a fixed label. */
export const genesisHash: string = createHash('sha256')
  .update('raffle-audit-chain-v2')
  .digest('hex');

/** One command as the chain hashes it and an export shows it. */
export interface AuditEntry {
  seq: number;
  atMs: number;
  /** The link of the committed seed chain (before any beacon is mixed in), base64. */
  seed?: string;
  command: Record<string, unknown>;
  /** The public answer of a command that took random bytes: `{ok, value}` or `{ok, reason}`. */
  outcome?: unknown;
}

/**
 * Sorts a short list of keys in place by UTF-16 code units (the order `sort()` gives strings):
 * objects here have a handful of keys, and insertion sort in place allocates nothing, where
 * `Array.prototype.sort` copies the array first.
 */
function sortedInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i += 1) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j -= 1;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** JSON with object keys sorted at every depth and `undefined` fields left out. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  // Built by appending to one string (no array of parts per object): it runs for every command.
  let text: string;
  if (Array.isArray(value)) {
    text = '[';
    for (let i = 0; i < value.length; i += 1) {
      text += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    }
    return `${text}]`;
  }
  text = '{';
  let first = true;
  for (const key of sortedInPlace(Object.keys(value))) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(field)}`;
    first = false;
  }
  return `${text}}`;
}

export function auditEntryOf(stamped: StampedCommand, outcome?: unknown): AuditEntry {
  const entry: AuditEntry = {
    seq: stamped.seq,
    atMs: stamped.atMs,
    command: stamped.command,
  };
  if (stamped.seed !== undefined) entry.seed = Buffer.from(stamped.seed).toString('base64');
  if (outcome !== undefined) entry.outcome = outcome;
  return entry;
}

/** The hash after `entry`, from `previous` (both hex). */
export function chainHash(previous: string, entry: AuditEntry): string {
  return chainHashOfText(previous, canonicalJson(entry));
}

/** Bytes hashed in one call: the previous hash and an entry's text, for entries that fit. */
const scratch = Buffer.allocUnsafe(16_384);

/** The hash after an entry already in canonical text. */
export function chainHashOfText(previous: string, entryText: string): string {
  // One-shot hashing over a reused buffer: no hash object and no buffers per command.
  if (entryText.length * 3 <= scratch.length - 32) {
    scratch.write(previous, 0, 32, 'hex');
    const length = scratch.write(entryText, 32, 'utf8');
    return hash('sha256', scratch.subarray(0, 32 + length), 'hex');
  }
  return createHash('sha256').update(Buffer.from(previous, 'hex')).update(entryText).digest('hex');
}
