/**
 * What the dashboard feed sends and the page reads, defined once for both: the metric samples,
 * the overview of every kind and the draw events (of the answers in them, the fields
 * `src/api/answer-shapes.ts` names), as generic shapes (`OverviewOf`, `DrawEventOf`)
 * that the feed fills with the API's own answer types and the page with the fields it reads.
 *
 * Types only, importing nothing but another types-only file, so that the page's DOM-only
 * tsconfig compiles this file as well as the server's does. The feed checks at compile time that
 * what it sends holds the page's shapes (`dashboard-feed.ts`), so the page cannot read a field the
 * feed no longer sends. The trade-off: the page's shapes are written out here rather than derived
 * from the router, whose types reach into the server's Node code.
 */
import type { Campaign, LedgerDraw, LedgerRaffle, PrizeRaffle } from '../../api/answer-shapes.js';

export type {
  Campaign,
  CampaignPrize,
  LedgerDraw,
  LedgerRaffle,
  Participant,
  PrizeRaffle,
} from '../../api/answer-shapes.js';

export interface MetricSample {
  /** Epoch milliseconds. */
  at: number;
  commandsPerSecond: number;
  requestsPerSecond: number;
  /** Upper bound of the bucket holding the median API request, in ms (null: no request). */
  p50Ms: number | null;
  p99Ms: number | null;
  queueLength: number;
}

export interface OverviewOf<LedgerRaffle, PrizeRaffle, Campaign> {
  seq: number;
  /** Every ledger raffle counts; the newest `dashboardRafflesShown` are listed, newest first. */
  ledger: { count: number; raffles: LedgerRaffle[] };
  prize: { raffles: PrizeRaffle[]; more: boolean };
  campaigns: { campaigns: Campaign[]; more: boolean };
}

export type DrawEventOf<LedgerDraw, PrizeWinner> =
  | { kind: 'ledger'; raffleId: string; raffleName: string; draw: LedgerDraw }
  | { kind: 'prize'; raffleId: string; raffleName: string; winners: PrizeWinner[]; at: string };

/** The overview and draw events as the page reads them. */
export type Overview = OverviewOf<LedgerRaffle, PrizeRaffle, Campaign>;
export type DrawEvent = DrawEventOf<LedgerDraw, { prize: { name: string }; ticketNumber: number }>;
