/**
 * What the edge needs of the server secret: one key per purpose, derived from it.
 *
 * Procedures that keep a secret out of the state (the keyed hash of a verification code, the
 * pseudonym of a client address, the seal of a code inside an idempotency record) ask the context
 * for a key by purpose instead of holding the secret itself, so one secret serves every purpose
 * without two of them ever sharing a key. Only this interface reaches the context (and so the
 * client package's declarations); `src/server/hkdf-secret-keys.ts` implements it.
 */

export interface SecretKeys {
  /** The same 32 bytes for the same purpose, for as long as the server secret stays the same. */
  derive(purpose: string): Uint8Array;
}
