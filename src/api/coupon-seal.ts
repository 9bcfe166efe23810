/**
 * Coupon codes kept out of the state, the journal, snapshots and audit exports: the edge makes a
 * candidate code for every draw and hands the kind only two values derived from it under keys
 * from the server secret (`SECRET_KEY` or `DATA_DIR/secret.key`):
 *
 * - the tag, HMAC-SHA256(tag key, campaign ‖ code) cut to 128 bits: what the kind files a won
 *   coupon under and what a redemption looks up (the edge recomputes it from the typed code);
 * - the seal, AES-256-GCM(seal key, code) with a random 96-bit nonce and the campaign as
 *   associated data: what the kind returns, so the edge can show the code to the drawer and to
 *   operators.
 *
 * A data directory or an export without the secret reveals no code and lets no one make one that
 * redeems. The price: about 90 more bytes per draw in the journal (the candidate of a draw that
 * loses is dropped by `apply` but still journaled), and a coupon is unreadable if the secret is lost.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { couponCodeFrom, normalizeCouponCode } from './coupon-code.js';
import type { SecretKeys } from './secret-keys.js';

const tagPurpose = 'campaign coupon tag v1';
const sealPurpose = 'campaign coupon seal v1';
const tagBytes = 16;
const nonceBytes = 12;
const authTagBytes = 16;

export interface SealedCoupon {
  tag: string;
  seal: string;
}

/** The keys of a request, or an internal error: every campaign procedure that touches coupons needs them. */
export function keysOf(ctx: { secretKeys?: SecretKeys | undefined }): SecretKeys {
  if (ctx.secretKeys === undefined) {
    throw new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'The server secret is not set up.',
    });
  }
  return ctx.secretKeys;
}

/** The tag of a code in a campaign; typed codes are normalised first (an unreadable one gets a tag no coupon has). */
export function couponTagOf(keys: SecretKeys, campaignId: string, typed: string): string {
  const code = normalizeCouponCode(typed) ?? `unreadable:${typed}`;
  return createHmac('sha256', keys.derive(tagPurpose))
    .update(`${campaignId}\u0000${code}`)
    .digest()
    .subarray(0, tagBytes)
    .toString('base64url');
}

/**
 * A fresh code, sealed, with its tag. The seal also holds the drawer's phone number when given:
 * the campaign keeps only a pseudonym of the phone (`phone-pseudonym.ts`), and an operator who
 * redeems the coupon is shown the number from the seal.
 */
export function newSealedCoupon(
  keys: SecretKeys,
  campaignId: string,
  phone?: string,
): SealedCoupon {
  const random = randomBytes(10);
  let offset = 0;
  const code = couponCodeFrom({ nextByte: () => random[offset++] as number });
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', keys.derive(sealPurpose), nonce);
  cipher.setAAD(Buffer.from(campaignId, 'utf8'));
  const sealed = Buffer.concat([
    nonce,
    cipher.update(phone === undefined ? code : `${code}\n${phone}`, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return { tag: couponTagOf(keys, campaignId, code), seal: sealed.toString('base64url') };
}

function openedSeal(keys: SecretKeys, campaignId: string, seal: string): string {
  const sealed = Buffer.from(seal, 'base64url');
  const nonce = sealed.subarray(0, nonceBytes);
  const body = sealed.subarray(nonceBytes, sealed.length - authTagBytes);
  const decipher = createDecipheriv('aes-256-gcm', keys.derive(sealPurpose), nonce);
  decipher.setAAD(Buffer.from(campaignId, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - authTagBytes));
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}

/** The code inside a seal; throws when the seal was not made with this secret for this campaign. */
export function openSeal(keys: SecretKeys, campaignId: string, seal: string): string {
  return openedSeal(keys, campaignId, seal).split('\n')[0] as string;
}

/** The drawer's phone number inside a seal, when the seal holds one (seals made since it does). */
export function openSealedPhone(
  keys: SecretKeys,
  campaignId: string,
  seal: string,
): string | undefined {
  return openedSeal(keys, campaignId, seal).split('\n')[1];
}
