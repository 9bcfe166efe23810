/**
 * Issuing tickets: the most frequent operation.
 */
import { ledgerKind } from '../../kinds/ledger/kind.js';
import { unwrap } from '../errors.js';
import type { Schemas } from '../schemas.js';
import { idempotencyKeyOf, publicProcedure, router } from '../trpc.js';

export function ticketsRouter(schemas: Schemas) {
  return router({
    issue: publicProcedure
      .meta({
        refuses: ['raffle_not_found', 'ticket_total_overflow', 'participant_limit_reached'],
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
          await ctx.engine.submit(ledgerKind.commands.issue, {
            idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
            raffleId: input.raffleId,
            username: input.username,
            count: input.count,
          }),
        );
      }),

    issueBulk: publicProcedure
      .meta({
        refuses: ['raffle_not_found'],
        openapi: {
          method: 'POST',
          path: '/raffles/{raffleId}/tickets/bulk',
          tags: ['tickets'],
          summary: 'Issue tickets in bulk',
          description:
            'Applies each item in order as its own issue, all in one command (one journal record, one batch). Each item gets its own result or refusal reason; a refused item does not stop the others. The request as a whole is refused only when the raffle does not exist or the input is invalid.',
        },
      })
      .input(schemas.issueBulkInput)
      .output(schemas.issueBulkOutput)
      .mutation(async ({ ctx, input }) => {
        return unwrap(
          await ctx.engine.submit(ledgerKind.commands.issueBulk, {
            idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
            raffleId: input.raffleId,
            items: input.items,
          }),
        );
      }),
  });
}
