/**
 * The fields of the API's answers that readers outside the server read: the dashboard page
 * (`src/server/dashboard/page-shapes.ts`) and the `raffle` command line. Each is a subset of what
 * the procedure's zod output gives, written out because those readers get the answers as JSON
 * over HTTP, apart from the router's types (the page is even compiled for the browser). The
 * dashboard feed checks at compile time that the answers in its overview and draw events hold
 * them (all but `Participant`, which the page reads from the listing). Types only, importing only
 * another types-only file.
 */
import type { PrizeView } from '../kinds/campaign/prize-view.js';

export interface LedgerRaffle {
  id: string;
  name: string;
  createdAt: string;
  totalTickets: number;
  participantCount: number;
  drawCount: number;
}

export interface PrizeRaffle {
  id: string;
  name: string;
  ticketCount: number;
  ticketsClaimed: number;
  ticketsRemaining: number;
  status: 'open' | 'sold_out' | 'drawn';
  prizes: { name: string }[];
  createdAt: string;
  drawnAt?: string | undefined;
}

export type CampaignPrize = PrizeView;

export interface Campaign {
  id: string;
  name: string;
  startsAt: string;
  endsAt: string;
  timeZone: string;
  status: string;
  day: string;
  drawCount: number;
  phoneCount: number;
  prizes: CampaignPrize[];
}

export interface LedgerDraw {
  drawId: number;
  username: string;
  ticketsLeft: number;
  at: string;
}

export interface Participant {
  username: string;
  tickets: number;
}
