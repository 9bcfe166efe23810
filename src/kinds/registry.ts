/**
 * The registry: every raffle kind the service runs. Adding a kind adds its folder and one line
 * here; the engine, queue and journal learn of kinds only through the registry built from this.
 */
import { KindRegistry } from '../engine/kind.js';
import { campaignKind } from './campaign/kind.js';
import { ledgerKind } from './ledger/kind.js';
import { prizeKind } from './prize/kind.js';

export const kinds = [ledgerKind, prizeKind, campaignKind] as const;

export function createKindRegistry(): KindRegistry {
  return new KindRegistry(kinds);
}
