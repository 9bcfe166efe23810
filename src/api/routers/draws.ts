/**
 * Drawing winners and reading the draw history.
 */
import type { DrawRecord } from '../../kinds/ledger/ledger.js';
import { ledgerKind } from '../../kinds/ledger/kind.js';
import { unwrap } from '../errors.js';
import { cursorAfter, invalidCursor, positionAfter } from '../paging.js';
import type { Schemas } from '../schemas.js';
import { idempotencyKeyOf, publicProcedure, router } from '../trpc.js';

export function drawView(record: DrawRecord) {
  return {
    drawId: record.drawId,
    username: record.username,
    ticketsLeft: record.ticketsLeft,
    totalTicketsBefore: record.totalTicketsBefore,
    ticketIndex: record.ticketIndex,
    at: new Date(record.atMs).toISOString(),
  };
}

export function drawsRouter(schemas: Schemas) {
  return router({
    create: publicProcedure
      .meta({
        refuses: ['raffle_not_found', 'raffle_empty'],
        openapi: {
          method: 'POST',
          path: '/raffles/{raffleId}/draws',
          tags: ['draws'],
          summary: 'Draw a winner',
          description:
            'Picks one ticket uniformly at random and removes it: the winner holds one ticket fewer and leaves the raffle at zero. No request body is needed.',
          successDescription: 'Created (201).',
        },
      })
      .input(schemas.drawInput)
      .output(schemas.draw)
      .mutation(async ({ ctx, input }) => {
        const outcome = await ctx.engine.submit(ledgerKind.commands.draw, {
          raffleId: input.raffleId,
          idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
        });
        return drawView(unwrap(outcome));
      }),

    list: publicProcedure
      .meta({
        refuses: ['raffle_not_found', 'invalid_cursor'],
        openapi: {
          method: 'GET',
          path: '/raffles/{raffleId}/draws',
          tags: ['draws'],
          summary: 'Draw history',
          description: 'Past draws, oldest first, one page at a time.',
        },
      })
      .input(schemas.pageInput)
      .output(schemas.drawPage)
      .query(async ({ ctx, input }) => {
        const afterDrawId = positionAfter(input.cursor, 'draws', input.raffleId);
        const page = unwrap(
          await ctx.engine.query(ledgerKind.queries.listDraws, {
            raffleId: input.raffleId,
            afterDrawId,
            limit: input.limit,
          }),
        );
        // Draws are never removed and a cursor is only issued when more follow it: an empty
        // page after a cursor means the cursor was never issued.
        if (afterDrawId > 0 && page.draws.length === 0) throw invalidCursor(input.cursor ?? '');
        return {
          draws: page.draws.map(drawView),
          nextCursor: cursorAfter(page.nextAfterDrawId, 'draws', input.raffleId),
        };
      }),
  });
}
