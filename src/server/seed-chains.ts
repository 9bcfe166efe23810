/**
 * The seed chains of a service, derived from the server secret (`server-secret.ts`): a chain's
 * secret is the key for purpose `seed-chain/<nonce>`, where the nonce is random and journaled
 * in the chain's public commitment. A restarted service derives the chain in use again from the
 * recovered commitment and goes on where it stopped; no second secret is kept anywhere. Whoever
 * holds the server secret can foresee the links of any committed chain, which is why it is kept
 * like the rest of the server secret (SECRET_KEY, or `secret.key` with mode 0600) and never logged.
 */
import { randomBytes } from 'node:crypto';
import type { SecretKeys } from '../api/secret-keys.js';
import { seedChainLength } from '../config/limits.js';
import {
  SeedChainBuilder,
  SeedChainSource,
  type SeedChain,
  type SeedCommitment,
} from '../engine/seed-chain.js';

function builderFor(keys: SecretKeys, nonce: string, length: number): SeedChainBuilder {
  return new SeedChainBuilder(Buffer.from(keys.derive(`seed-chain/${nonce}`)), length, nonce);
}

/** The seed source of a service: resumes the committed chain when it can, else starts a new one. */
export function seedSourceFor(
  keys: SecretKeys,
  commitment: SeedCommitment | undefined,
  length = seedChainLength,
): SeedChainSource {
  let current: SeedChain | undefined;
  if (commitment !== undefined) {
    const chain = builderFor(keys, commitment.nonce, commitment.length).finish(commitment.used);
    // A chain committed under another secret (SECRET_KEY changed) cannot go on: a new one starts.
    if (chain.anchor.toString('hex') === commitment.anchor) current = chain;
  }
  return new SeedChainSource(current, length, (chainLength) =>
    builderFor(keys, randomBytes(16).toString('hex'), chainLength),
  );
}
