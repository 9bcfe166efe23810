/**
 * Prize raffles (kind `prize`): create, list, fetch, claim a ticket, draw, winners, verify.
 *
 * This is where a claim's secrets are made (see `src/api/prize-codes.ts`): the verification code,
 * its keyed hash, the holder's pseudonym and, when the caller sent an idempotency key, the code
 * sealed under that key. The command carries the hash, the pseudonym and the seal; the answer
 * carries the code, opened from the seal the kind hands back, so a retry under the same key shows
 * the first code although no one stored it in plaintext.
 */
import { TRPCError } from '@trpc/server';
import { reasonCatalogue, refuse } from '../../domain/reasons.js';
import type { PrizeDrawResult, PrizeRaffleSummary } from '../../kinds/prize/prize-raffle.js';
import { prizeKind } from '../../kinds/prize/kind.js';
import { refusalError, unwrap } from '../errors.js';
import { cursorAfter, positionAfter } from '../paging.js';
import { newVerificationCode, PrizeCodes } from '../prize-codes.js';
import type { PrizeSchemas } from '../prize-schemas.js';
import type { SecretKeys } from '../secret-keys.js';
import {
  callerIdempotencyKeyOf,
  idempotencyKeyOf,
  operatorProcedure,
  publicProcedure,
  router,
  type Context,
} from '../trpc.js';

const isoOf = (ms: number) => new Date(ms).toISOString();

export function prizeRaffleView(summary: PrizeRaffleSummary) {
  return {
    id: summary.id,
    name: summary.name,
    ticketCount: summary.ticketCount,
    ticketsClaimed: summary.ticketsClaimed,
    ticketsRemaining: summary.ticketsRemaining,
    status: summary.status,
    prizes: summary.prizes.map((name) => ({ name })),
    createdAt: isoOf(summary.createdAtMs),
    ...(summary.drawnAtMs === undefined ? {} : { drawnAt: isoOf(summary.drawnAtMs) }),
  };
}

export function prizeDrawView(result: PrizeDrawResult) {
  return {
    raffleId: result.raffleId,
    winners: result.winners.map((winner) => ({
      prize: { name: winner.prize },
      ticketNumber: winner.ticketNumber,
    })),
    drawnAt: isoOf(result.drawnAtMs),
  };
}

/** One `PrizeCodes` per key ring, so each derived key is made once. */
const codesByKeys = new WeakMap<SecretKeys, PrizeCodes>();

function codesOf(ctx: Context): PrizeCodes {
  const keys = ctx.secretKeys;
  if (keys === undefined) {
    // A wiring mistake, not a caller's: every server context carries the keys.
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'no server secret configured' });
  }
  let codes = codesByKeys.get(keys);
  if (codes === undefined) {
    codes = new PrizeCodes(keys);
    codesByKeys.set(keys, codes);
  }
  return codes;
}

const tags = ['prize raffles'];

export function prizeRafflesRouter(schemas: PrizeSchemas) {
  return router({
    create: operatorProcedure
      .meta({
        refuses: ['too_many_prizes', 'raffle_id_taken', 'raffle_limit_reached'],
        openapi: {
          method: 'POST',
          path: '/prize-raffles',
          tags,
          summary: 'Create a prize raffle (operator)',
          description:
            'Creates a raffle of `ticketCount` numbered tickets and its prizes; without `id` the service picks one (`p-` and ten characters). Costs the same for ten tickets as for ten million.',
          successDescription: 'Created (201).',
        },
      })
      .input(schemas.createInput)
      .output(schemas.raffle)
      .mutation(async ({ ctx, input }) => {
        const outcome = await ctx.engine.submit(prizeKind.commands.createRaffle, {
          idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
          id: input.id,
          name: input.name,
          ticketCount: input.ticketCount,
          prizes: input.prizes.map((prize) => prize.name),
        });
        return prizeRaffleView(unwrap(outcome));
      }),

    list: publicProcedure
      .meta({
        refuses: ['invalid_cursor'],
        openapi: {
          method: 'GET',
          path: '/prize-raffles',
          tags,
          summary: 'List prize raffles',
          description: 'Newest first, one page at a time; pass `nextCursor` back as `cursor`.',
        },
      })
      .input(schemas.listInput)
      .output(schemas.listOutput)
      .query(async ({ ctx, input }) => {
        const page = unwrap(
          await ctx.engine.query(prizeKind.queries.listRaffles, {
            beforeNumber: positionAfter(input.cursor, 'prize-raffles', ''),
            limit: input.limit,
          }),
        );
        return {
          raffles: page.raffles.map(prizeRaffleView),
          nextCursor: cursorAfter(page.nextBeforeNumber, 'prize-raffles', ''),
        };
      }),

    get: publicProcedure
      .meta({
        refuses: ['raffle_not_found'],
        openapi: {
          method: 'GET',
          path: '/prize-raffles/{id}',
          tags,
          summary: 'Fetch a prize raffle',
          description: 'Tickets claimed and remaining, status, prizes, and when it was drawn.',
        },
      })
      .input(schemas.raffleRef)
      .output(schemas.raffle)
      .query(async ({ ctx, input }) => {
        const outcome = await ctx.engine.query(prizeKind.queries.getRaffle, { raffleId: input.id });
        return prizeRaffleView(unwrap(outcome));
      }),

    claim: publicProcedure
      .meta({
        refuses: ['client_address_unknown', 'raffle_not_found', 'already_participated', 'sold_out'],
        openapi: {
          method: 'POST',
          path: '/prize-raffles/{id}/entries',
          tags,
          summary: 'Claim a ticket',
          description:
            'Hands the caller a ticket number chosen uniformly among those left, and its verification code, shown only here. One ticket per client address per raffle. No request body is needed; send an `Idempotency-Key` to retry safely (the retry shows the same ticket and code).',
          successDescription: 'Created (201).',
        },
      })
      .input(schemas.keyedRaffleRef)
      .output(schemas.claimOutput)
      .mutation(async ({ ctx, input }) => {
        const address = ctx.clientAddress;
        if (address === undefined) {
          throw refusalError(
            refuse('client_address_unknown', reasonCatalogue.client_address_unknown),
          );
        }
        const codes = codesOf(ctx);
        const callerKey = callerIdempotencyKeyOf(ctx, input.requestId);
        const code = newVerificationCode();
        const outcome = await ctx.engine.submit(prizeKind.commands.claim, {
          idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
          raffleId: input.id,
          holder: codes.holderOf(input.id, address),
          codeHash: codes.codeHash(input.id, code),
          ...(callerKey === undefined ? {} : { sealedCode: codes.seal(callerKey, input.id, code) }),
        });
        const claim = unwrap(outcome);
        let verificationCode = code;
        if (callerKey !== undefined) {
          // The first claim under this key may have been an earlier request: its seal, not this
          // request's code, is the ticket's code.
          const opened =
            claim.sealedCode === undefined
              ? undefined
              : codes.open(callerKey, claim.raffleId, claim.sealedCode);
          if (opened === undefined) {
            throw new TRPCError({
              code: 'INTERNAL_SERVER_ERROR',
              message:
                'the verification code of this claim cannot be opened (was the server secret replaced?)',
            });
          }
          verificationCode = opened;
        }
        return { raffleId: claim.raffleId, ticketNumber: claim.ticketNumber, verificationCode };
      }),

    draw: operatorProcedure
      .meta({
        refuses: ['raffle_not_found', 'tickets_remaining', 'already_drawn'],
        openapi: {
          method: 'POST',
          path: '/prize-raffles/{id}/draws',
          tags,
          summary: 'Draw the winners (operator)',
          description:
            'Once every ticket is claimed, picks one distinct winning ticket per prize, uniformly; allowed once. No request body is needed.',
          successDescription: 'Created (201).',
        },
      })
      .input(schemas.keyedRaffleRef)
      .output(schemas.drawOutput)
      .mutation(async ({ ctx, input }) => {
        const outcome = await ctx.engine.submit(prizeKind.commands.draw, {
          idempotencyKey: idempotencyKeyOf(ctx, input.requestId),
          raffleId: input.id,
        });
        return prizeDrawView(unwrap(outcome));
      }),

    winners: publicProcedure
      .meta({
        refuses: ['raffle_not_found', 'not_drawn'],
        openapi: {
          method: 'GET',
          path: '/prize-raffles/{id}/winners',
          tags,
          summary: 'Winning tickets',
          description: 'Each prize with its winning ticket number, in prize order, once drawn.',
        },
      })
      .input(schemas.raffleRef)
      .output(schemas.drawOutput)
      .query(async ({ ctx, input }) => {
        const outcome = await ctx.engine.query(prizeKind.queries.winners, { raffleId: input.id });
        return prizeDrawView(unwrap(outcome));
      }),

    verify: publicProcedure
      .meta({
        refuses: ['raffle_not_found', 'not_drawn', 'verification_failed'],
        openapi: {
          method: 'POST',
          path: '/prize-raffles/{id}/verifications',
          tags,
          summary: 'Verify a ticket',
          description:
            'Checks a ticket number and its verification code, and says whether it won and what. A wrong code and a number nobody holds are refused alike (403 `verification_failed`), so numbers cannot be probed. Changes nothing.',
        },
      })
      .input(schemas.verifyInput)
      .output(schemas.verifyOutput)
      .mutation(async ({ ctx, input }) => {
        const codes = codesOf(ctx);
        const outcome = await ctx.engine.query(prizeKind.queries.verify, {
          raffleId: input.id,
          ticketNumber: input.ticketNumber,
          codeHash: codes.codeHash(input.id, input.verificationCode),
        });
        const result = unwrap(outcome);
        return {
          ticketNumber: result.ticketNumber,
          won: result.won,
          prize: result.prize === null ? null : { name: result.prize },
        };
      }),
  });
}
