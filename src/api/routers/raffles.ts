/**
 * Raffles as resources: create one, list them, read one's figures.
 */
import { pageLimitDefault } from '../../config/limits.js';
import type { RaffleStats } from '../../kinds/ledger/ledger.js';
import { ledgerKind } from '../../kinds/ledger/kind.js';
import { unwrap } from '../errors.js';
import { cursorAfter, positionAfter } from '../paging.js';
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
        refuses: ['raffle_id_taken', 'raffle_limit_reached'],
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
        refuses: ['invalid_cursor'],
        openapi: {
          method: 'GET',
          path: '/raffles',
          tags: ['raffles'],
          summary: 'List raffles',
          description:
            'Raffles in creation order (the default raffle first), one page at a time; pass `nextCursor` back as `cursor`.',
        },
      })
      .input(schemas.rafflePageInput.optional())
      .output(schemas.listRafflesOutput)
      .query(async ({ ctx, input }) => {
        const page = unwrap(
          await ctx.engine.query(ledgerKind.queries.listRaffles, {
            afterOrdinal: positionAfter(input?.cursor, 'raffles', ''),
            limit: input?.limit ?? pageLimitDefault,
          }),
        );
        return {
          raffles: page.raffles.map(raffleView),
          nextCursor: cursorAfter(page.nextAfterOrdinal, 'raffles', ''),
        };
      }),

    get: publicProcedure
      .meta({
        refuses: ['raffle_not_found'],
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
