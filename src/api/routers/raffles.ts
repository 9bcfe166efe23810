/**
 * Raffles as resources: create one, list them, read one's figures.
 */
import { z } from 'zod';
import type { RaffleStats } from '../../kinds/ledger/ledger.js';
import { ledgerKind } from '../../kinds/ledger/kind.js';
import { unwrap } from '../errors.js';
import type { Schemas } from '../schemas.js';
import { idempotencyKeyOf, publicProcedure, router } from '../trpc.js';

export function raffleView(stats: RaffleStats) {
  return {
    id: stats.id,
    name: stats.name,
    createdAt: new Date(stats.createdAtMs).toISOString(),
    totalTickets: stats.totalTickets,
    participantCount: stats.participantCount,
    drawCount: stats.drawCount,
  };
}

export function rafflesRouter(schemas: Schemas) {
  return router({
    create: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/raffles',
          tags: ['raffles'],
          summary: 'Create a raffle',
          description:
            'Creates a raffle; without `id` the service picks one (`r-` and ten characters).',
          successDescription: 'Created (201).',
        },
      })
      .input(schemas.createRaffleInput)
      .output(schemas.raffle)
      .mutation(async ({ ctx, input }) => {
        const outcome = await ctx.engine.submit(ledgerKind.commands.createRaffle, {
          idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
          id: input.id,
          name: input.name,
        });
        return raffleView(unwrap(outcome));
      }),

    list: publicProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/raffles',
          tags: ['raffles'],
          summary: 'List raffles',
        },
      })
      .input(z.void())
      .output(schemas.listRafflesOutput)
      .query(async ({ ctx }) => {
        const raffles = unwrap(await ctx.engine.query(ledgerKind.queries.listRaffles, {}));
        return { raffles: raffles.map(raffleView) };
      }),

    get: publicProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/raffles/{raffleId}',
          tags: ['raffles'],
          summary: 'Raffle figures',
          description: 'Total tickets, participant count and draw count of one raffle.',
        },
      })
      .input(schemas.raffleRef)
      .output(schemas.raffle)
      .query(async ({ ctx, input }) => {
        const outcome = await ctx.engine.query(ledgerKind.queries.getRaffle, {
          raffleId: input.raffleId,
        });
        return raffleView(unwrap(outcome));
      }),
  });
}
