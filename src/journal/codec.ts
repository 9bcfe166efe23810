/**
 * Stamped commands to journal payloads and back: one JSON object per command, with the seed (the
 * random bytes of a draw or a generated raffle id) in base64.
 */
import type { Mutation, StampedCommand } from '../engine/commands.js';

interface StampedJson {
  seq: number;
  atMs: number;
  seed?: string;
  command: Mutation;
}

export function encodeStamped(stamped: StampedCommand): Buffer {
  const json: StampedJson = { seq: stamped.seq, atMs: stamped.atMs, command: stamped.command };
  if (stamped.seed !== undefined) json.seed = Buffer.from(stamped.seed).toString('base64');
  return Buffer.from(JSON.stringify(json));
}

export function decodeStamped(payload: Buffer): StampedCommand {
  const json = JSON.parse(payload.toString('utf8')) as StampedJson;
  if (
    typeof json !== 'object' ||
    json === null ||
    !Number.isSafeInteger(json.seq) ||
    typeof json.atMs !== 'number' ||
    typeof json.command !== 'object' ||
    json.command === null ||
    typeof json.command.type !== 'string'
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
