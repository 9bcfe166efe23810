/**
 * Keys per purpose from one server secret, by HKDF-SHA256 (RFC 5869): the secret is the input
 * keying material and the purpose the `info`, so keys for different purposes are independent and
 * none reveals the secret. Each key is derived once and kept for the life of the process; the
 * price is a few dozen bytes per purpose.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import type { SecretKeys } from '../api/secret-keys.js';

const keyBytes = 32;
const salt = 'raffle-service server secret v1';

export class HkdfSecretKeys implements SecretKeys {
  private readonly secret: Uint8Array;
  private readonly derived = new Map<string, Uint8Array>();

  constructor(secret: Uint8Array) {
    if (secret.length < 16) throw new Error('the server secret must hold at least 16 bytes');
    this.secret = Uint8Array.from(secret);
  }

  /** Keys from a fresh random secret: for services that keep nothing across a restart. */
  static random(): HkdfSecretKeys {
    return new HkdfSecretKeys(randomBytes(keyBytes));
  }

  derive(purpose: string): Uint8Array {
    let key = this.derived.get(purpose);
    if (key === undefined) {
      key = new Uint8Array(hkdfSync('sha256', this.secret, salt, purpose, keyBytes));
      this.derived.set(purpose, key);
    }
    return key;
  }
}
