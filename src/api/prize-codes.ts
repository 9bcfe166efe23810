/**
 * The secrets of a prize-raffle claim, made and checked at the edge so the state never holds one.
 *
 * - A verification code is 16 random bytes (128 bits) in base64url, shown once, in the claim's
 *   answer. The state keeps only HMAC-SHA256(code key, raffle id ‖ code), cut to 128 bits.
 * - A holder is HMAC-SHA256(holder key, raffle id ‖ client address), cut to 128 bits: one
 *   ticket per address is enforced on the pseudonym, and a future audit export can publish
 *   holders without publishing addresses (nor linking one address across raffles).
 * - A sealed code is the code under AES-256-GCM with a key derived by HKDF-SHA256 from the
 *   caller's raw idempotency key (salted with a key from the server secret), the raffle id as
 *   associated data. The claim command carries it, so the idempotency record's outcome holds it
 *   and a retry under the same key opens the first code again. Commands carry only a digest of
 *   the caller's key, so nothing in the data directory opens a seal.
 *
 * The trade-off: the keys come from the server secret, so replacing the secret makes every
 * earlier code unverifiable and every earlier seal unopenable (see `src/server/server-secret.ts`).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  type BinaryLike,
} from 'node:crypto';
import { keyedHashBytes, verificationCodeBytes } from '../config/limits.js';
import type { SecretKeys } from './secret-keys.js';

const nonceBytes = 12;
const tagBytes = 16;

/** A new verification code: 128 random bits, 22 base64url characters. */
export function newVerificationCode(): string {
  return randomBytes(verificationCodeBytes).toString('base64url');
}

export class PrizeCodes {
  private readonly codeKey: Uint8Array;
  private readonly holderKey: Uint8Array;
  private readonly sealSalt: Uint8Array;

  constructor(keys: SecretKeys) {
    this.codeKey = keys.derive('prize verification code hash v1');
    this.holderKey = keys.derive('prize holder pseudonym v1');
    this.sealSalt = keys.derive('prize claim code seal salt v1');
  }

  /** The keyed hash of a code, as the state stores it and a verification compares it. */
  codeHash(raffleId: string, code: string): string {
    return this.keyedHash(this.codeKey, `${raffleId}\n${code}`);
  }

  /** The pseudonym under which a client address holds its ticket of one raffle. */
  holderOf(raffleId: string, clientAddress: string): string {
    return this.keyedHash(this.holderKey, `${raffleId}\n${clientAddress}`);
  }

  /** The code sealed under the caller's raw idempotency key. */
  seal(callerKey: string, raffleId: string, code: string): string {
    const nonce = randomBytes(nonceBytes);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey(callerKey, raffleId), nonce);
    cipher.setAAD(Buffer.from(raffleId, 'utf8'));
    const sealed = Buffer.concat([cipher.update(code, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** The code a seal holds, or undefined when this key (or this server secret) cannot open it. */
  open(callerKey: string, raffleId: string, sealed: string): string | undefined {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < nonceBytes + tagBytes) return undefined;
    const nonce = bytes.subarray(0, nonceBytes);
    const tag = bytes.subarray(bytes.length - tagBytes);
    const body = bytes.subarray(nonceBytes, bytes.length - tagBytes);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey(callerKey, raffleId), nonce);
      decipher.setAAD(Buffer.from(raffleId, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  private sealKey(callerKey: string, raffleId: string): Uint8Array {
    return new Uint8Array(
      hkdfSync('sha256', callerKey, this.sealSalt, `prize claim code\n${raffleId}`, 32),
    );
  }

  private keyedHash(key: BinaryLike, text: string): string {
    return createHmac('sha256', key)
      .update(text, 'utf8')
      .digest()
      .subarray(0, keyedHashBytes)
      .toString('base64url');
  }
}
