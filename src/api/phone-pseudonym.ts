/**
 * Phone numbers never reach a campaign's state, the journal, snapshots or the audit export: the
 * edge hands the kind a keyed pseudonym, HMAC-SHA256(key from the server secret, campaign ‖ E.164
 * number) cut to 128 bits, written `ph_` and 22 base64url characters. It is one value per phone
 * and campaign, so the once-a-day rule and a phone's history work on it unchanged, and nobody
 * without the server secret can tell which number it stands for (a plain hash could be reversed
 * by trying every number) nor link one phone across campaigns. Answers show the number the
 * caller sent; a redemption shows the number sealed with the coupon (`coupon-seal.ts`).
 */
import { createHmac } from 'node:crypto';
import { keyedHashBytes } from '../config/limits.js';
import type { SecretKeys } from './secret-keys.js';

const purpose = 'campaign phone pseudonym v1';

export function phonePseudonymOf(keys: SecretKeys, campaignId: string, e164: string): string {
  const digest = createHmac('sha256', keys.derive(purpose))
    .update(`${campaignId}\u0000${e164}`)
    .digest()
    .subarray(0, keyedHashBytes);
  return `ph_${digest.toString('base64url')}`;
}
