/**
 * Issuing tickets: the most frequent operation.
 */
import { unwrap } from '../errors.js';
import type { Schemas } from '../schemas.js';
import { idempotencyKeyOf, publicProcedure, router } from '../trpc.js';

export function ticketsRouter(schemas: Schemas) {
  return router({
    issue: publicProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/raffles/{raffleId}/tickets',
          tags: ['tickets'],
          summary: 'Issue tickets',
          description:
            'Adds `count` tickets to `username`, who joins the raffle if they held none.',
        },
      })
      .input(schemas.issueInput)
      .output(schemas.issueOutput)
      .mutation(async ({ ctx, input }) => {
        return unwrap(
          await ctx.engine.submit({
            type: 'issue',
            idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
            raffleId: input.raffleId,
            username: input.username,
            count: input.count,
          }),
        );
      }),
  });
}
