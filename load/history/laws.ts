/**
 * The conservation law of each raffle kind, by kind name: what the conservation checker runs.
 * A new kind adds its law here.
 */
import { campaignLaw } from './campaign-law.js';
import type { LawFactory } from './conservation.js';
import { ledgerLaw } from './ledger-law.js';
import { prizeLaw } from './prize-law.js';

export const conservationLaws: Readonly<Record<string, LawFactory>> = {
  ledger: ledgerLaw,
  prize: prizeLaw,
  campaign: campaignLaw,
};
