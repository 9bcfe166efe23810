/**
 * The shapes the page reads: the feed's events (`src/server/dashboard/dashboard-feed.ts`) and the
 * REST answers it uses, as far as the page needs them.
 */
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
  drawnAt?: string;
}

export interface CampaignPrize {
  id: string;
  name: string;
  probability: number;
  quotaTotal: number;
  quotaDaily: number;
  wonTotal: number;
  wonToday: number;
  remainingTotal: number;
  remainingToday: number;
}

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

export interface Overview {
  seq: number;
  ledger: { count: number; raffles: LedgerRaffle[] };
  prize: { raffles: PrizeRaffle[]; more: boolean };
  campaigns: { campaigns: Campaign[]; more: boolean };
}

export interface LedgerDraw {
  drawId: number;
  username: string;
  ticketsLeft: number;
  at: string;
}

export type DrawEvent =
  | { kind: 'ledger'; raffleId: string; raffleName: string; draw: LedgerDraw }
  | {
      kind: 'prize';
      raffleId: string;
      raffleName: string;
      winners: { prize: { name: string }; ticketNumber: number }[];
      at: string;
    };

export interface MetricSample {
  at: number;
  commandsPerSecond: number;
  requestsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  queueLength: number;
}

export interface Participant {
  username: string;
  tickets: number;
}
