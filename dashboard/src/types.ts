/**
 * The shapes the page reads: defined once, beside the feed that sends them
 * (`src/server/dashboard/page-shapes.ts`).
 */
export type {
  Campaign,
  CampaignPrize,
  DrawEvent,
  LedgerDraw,
  LedgerRaffle,
  MetricSample,
  Overview,
  Participant,
  PrizeRaffle,
} from '../../src/server/dashboard/page-shapes.js';
