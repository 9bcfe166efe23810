/**
 * Reading who holds tickets: a paginated listing and a single lookup.
 */
import { ledgerKind } from '../../kinds/ledger/kind.js';
import { unwrap } from '../errors.js';
import { cursorAfter, positionAfter } from '../paging.js';
import type { Schemas } from '../schemas.js';
import { publicProcedure, router } from '../trpc.js';

export function participantsRouter(schemas: Schemas) {
  return router({
    list: publicProcedure
      .meta({
        refuses: ['raffle_not_found', 'invalid_cursor'],
        openapi: {
          method: 'GET',
          path: '/raffles/{raffleId}/participants',
          tags: ['participants'],
          summary: 'List participants',
          description:
            'Participants holding at least one ticket, in order of admission (first ticket), one page at a time. The order is stable: newcomers appear after the current last page.',
        },
      })
      .input(schemas.pageInput)
      .output(schemas.participantPage)
      .query(async ({ ctx, input }) => {
        const page = unwrap(
          await ctx.engine.query(ledgerKind.queries.listParticipants, {
            raffleId: input.raffleId,
            afterSeq: positionAfter(input.cursor, 'participants', input.raffleId),
            limit: input.limit,
          }),
        );
        return {
          participants: page.participants,
          nextCursor: cursorAfter(page.nextAfterSeq, 'participants', input.raffleId),
        };
      }),

    get: publicProcedure
      .meta({
        refuses: ['raffle_not_found', 'participant_not_found'],
        openapi: {
          method: 'GET',
          path: '/raffles/{raffleId}/participants/{username}',
          tags: ['participants'],
          summary: 'One participant',
          description:
            'How many tickets one participant holds; 404 `participant_not_found` once they hold none.',
        },
      })
      .input(schemas.participantRef)
      .output(schemas.participant)
      .query(async ({ ctx, input }) => {
        return unwrap(
          await ctx.engine.query(ledgerKind.queries.getParticipant, {
            raffleId: input.raffleId,
            username: input.username,
          }),
        );
      }),
  });
}
