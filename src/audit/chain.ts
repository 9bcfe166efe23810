/**
 * The audit chain: every record of the command log carries the hash of the record before it.
 *
 * `hash_n = SHA-256(hash_(n-1) ‖ payload_n)` over the exact bytes of each record's payload (the
 * JSON text the log wrote), starting from a fixed genesis value. Removing, inserting, reordering
 * or editing any record changes every hash after it, so a published head hash pins the whole
 * history behind it. The payload's text is canonical because it is what `JSON.stringify` makes
 * of the record: parsing it and stringifying it again gives the same bytes, which is how the
 * verifier recovers them from an export line.
 */
import { createHash } from 'node:crypto';

/** The hash before the first record: SHA-256 of a fixed label. */
export const genesisHash: Buffer = createHash('sha256').update('raffle-audit-chain-v1').digest();

export function chainHash(previous: Buffer, payload: Uint8Array): Buffer {
  return createHash('sha256').update(previous).update(payload).digest();
}

/** The hash after `payloads`, from `previous`. */
export function chainOver(previous: Buffer, payloads: Iterable<Uint8Array>): Buffer {
  let hash = previous;
  for (const payload of payloads) hash = chainHash(hash, payload);
  return hash;
}
