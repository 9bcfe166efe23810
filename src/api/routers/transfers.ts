/**
 * Moving tickets from one participant to another.
 */
import { ledgerKind } from '../../kinds/ledger/kind.js';
import { unwrap } from '../errors.js';
import type { Schemas } from '../schemas.js';
import { idempotencyKeyOf, publicProcedure, router } from '../trpc.js';

export function transfersRouter(schemas: Schemas) {
  return router({
    create: publicProcedure
      .meta({
        refuses: [
          'transfer_to_self',
          'raffle_not_found',
          'participant_not_found',
          'insufficient_tickets',
          'participant_limit_reached',
        ],
        openapi: {
          method: 'POST',
          path: '/raffles/{raffleId}/transfers',
          tags: ['transfers'],
          summary: 'Transfer tickets',
          description:
            'Moves `count` tickets from `from` to `to` (who joins if new). A donor left with none leaves the raffle.',
        },
      })
      .input(schemas.transferInput)
      .output(schemas.transferOutput)
      .mutation(async ({ ctx, input }) => {
        return unwrap(
          await ctx.engine.submit(ledgerKind.commands.transfer, {
            idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
            raffleId: input.raffleId,
            from: input.from,
            to: input.to,
            count: input.count,
          }),
        );
      }),

    createBulk: publicProcedure
      .meta({
        refuses: ['raffle_not_found'],
        openapi: {
          method: 'POST',
          path: '/raffles/{raffleId}/transfers/bulk',
          tags: ['transfers'],
          summary: 'Transfer tickets in bulk',
          description:
            'Applies each item in order as its own transfer, all in one command (one journal record, one batch). Each item gets its own result or refusal reason; a refused item does not stop the others. The request as a whole is refused only when the raffle does not exist or the input is invalid.',
        },
      })
      .input(schemas.transferBulkInput)
      .output(schemas.transferBulkOutput)
      .mutation(async ({ ctx, input }) => {
        return unwrap(
          await ctx.engine.submit(ledgerKind.commands.transferBulk, {
            idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
            raffleId: input.raffleId,
            items: input.items,
          }),
        );
      }),
  });
}
