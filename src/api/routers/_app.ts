/**
 * The application router: one sub-router per resource, built from the limits in force.
 */
import { createPrizeSchemas } from '../prize-schemas.js';
import { createSchemas } from '../schemas.js';
import type { ApiLimits } from '../trpc.js';
import { router } from '../trpc.js';
import { auditRouter } from './audit.js';
import { campaignsRouter } from './campaigns.js';
import { drawsRouter } from './draws.js';
import { participantsRouter } from './participants.js';
import { prizeRafflesRouter } from './prize-raffles.js';
import { rafflesRouter } from './raffles.js';
import { systemRouter } from './system.js';
import { ticketsRouter } from './tickets.js';
import { transfersRouter } from './transfers.js';

export function createAppRouter(limits: ApiLimits) {
  const schemas = createSchemas(limits);
  return router({
    raffles: rafflesRouter(schemas),
    tickets: ticketsRouter(schemas),
    transfers: transfersRouter(schemas),
    draws: drawsRouter(schemas),
    participants: participantsRouter(schemas),
    system: systemRouter(schemas),
    campaigns: campaignsRouter(),
    prizeRaffles: prizeRafflesRouter(createPrizeSchemas()),
    audit: auditRouter(),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
