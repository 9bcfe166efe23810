/**
 * zod schemas of the prize-raffle operations, built once per router from the limits in
 * `src/config/limits.ts`.
 *
 * A function, not constants, for the reason `schemas.ts` gives: trpc-to-openapi turns on coercion
 * in the schemas of the router it serves, which must not loosen the tRPC router's copy. Numbers
 * that travel in a JSON body (ticket counts, ticket numbers) are wrapped in a pipe so they stay
 * strict JSON numbers; the page size, a query parameter, is coerced as intended.
 */
import { z } from 'zod';
import { beaconInput, randomnessOutput } from './randomness-schemas.js';
import {
  prizeNameLengthMax,
  prizeNameLengthMin,
  prizeTicketCountMax,
  prizesPerRaffleMax,
  verificationCodeLengthMax,
} from '../config/limits.js';
import {
  idempotencyKeySchema,
  pageQuery,
  raffleIdSchema,
  raffleNameSchema,
  strictNumber,
} from './schemas.js';

const controlCharacter = /\p{Cc}/u;
const surroundingWhitespace = /^\s|\s$/u;

/** A whole number from 1 to `max`, never coerced from text. */
function wholeNumberFromOne(max: number, label: string, description: string) {
  return strictNumber(
    (value) => Number.isInteger(value) && value >= 1 && value <= max,
    `${label} must be a whole number from 1 to ${max}`,
    { description, type: 'integer', minimum: 1, maximum: max },
  );
}

const count = () => z.number().int().nonnegative();
const isoTime = () => z.iso.datetime().meta({ example: '2026-11-21T09:30:00.000Z' });

export function createPrizeSchemas() {
  const prizeName = z
    .string()
    .min(prizeNameLengthMin)
    .max(prizeNameLengthMax)
    .superRefine((value, context) => {
      if (!value.isWellFormed())
        context.addIssue({ code: 'custom', message: 'prize name must be well-formed Unicode' });
      if (controlCharacter.test(value))
        context.addIssue({
          code: 'custom',
          message: 'prize name must not contain control characters',
        });
      if (surroundingWhitespace.test(value))
        context.addIssue({
          code: 'custom',
          message: 'prize name must not start or end with whitespace',
        });
    })
    .meta({
      description: `Prize name, ${prizeNameLengthMin}–${prizeNameLengthMax} characters. Equal names are distinct prizes.`,
      example: 'Bicycle',
    });
  const prize = z.object({ name: prizeName }).meta({ id: 'Prize' });
  const prizeOut = z.object({ name: z.string() });
  const ticketNumber = wholeNumberFromOne(
    prizeTicketCountMax,
    'ticketNumber',
    'A ticket number, 1 to the raffle’s ticket count.',
  );
  const raffleRef = z.object({ id: raffleIdSchema });
  const winner = z.object({ prize: prizeOut, ticketNumber: count() }).meta({ id: 'PrizeWinner' });

  const raffle = z
    .object({
      id: raffleIdSchema,
      name: z.string(),
      ticketCount: count(),
      ticketsClaimed: count(),
      ticketsRemaining: count(),
      status: z.enum(['open', 'sold_out', 'drawn']).meta({
        description:
          '`open` while tickets remain, `sold_out` once all are claimed, `drawn` after the draw.',
      }),
      prizes: z.array(prizeOut),
      createdAt: isoTime(),
      drawnAt: isoTime()
        .optional()
        .meta({ description: 'When the winners were drawn; absent before.' }),
    })
    .meta({ id: 'PrizeRaffle' });

  return {
    raffle,
    raffleRef,
    createInput: z.object({
      id: raffleIdSchema.optional(),
      name: raffleNameSchema,
      ticketCount: wholeNumberFromOne(
        prizeTicketCountMax,
        'ticketCount',
        `Number of tickets, numbered 1 to ticketCount; 1 to ${prizeTicketCountMax}.`,
      ),
      prizes: z
        .array(prize)
        .min(1)
        .max(prizesPerRaffleMax)
        .meta({
          description: `1 to ${prizesPerRaffleMax} prizes, at most one per ticket; each wins a distinct ticket.`,
        }),
      requestId: idempotencyKeySchema.optional(),
    }),
    listInput: z.object(pageQuery),
    listOutput: z.object({ raffles: z.array(raffle), nextCursor: z.string().nullable() }),
    keyedRaffleRef: z.object({ id: raffleIdSchema, requestId: idempotencyKeySchema.optional() }),
    claimOutput: z
      .object({
        raffleId: raffleIdSchema,
        ticketNumber: count(),
        verificationCode: z.string().meta({
          description:
            'The ticket’s verification code: shown once, here; only a keyed hash of it is kept. A retry with the same idempotency key shows it again.',
        }),
      })
      .meta({ id: 'PrizeClaim' }),
    drawOutput: z
      .object({
        raffleId: raffleIdSchema,
        winners: z.array(winner),
        drawnAt: isoTime(),
        randomness: randomnessOutput,
      })
      .meta({ id: 'PrizeDraw' }),
    drawInput: z.object({
      id: raffleIdSchema,
      requestId: idempotencyKeySchema.optional(),
      beacon: beaconInput,
    }),
    verifyInput: z
      .object({
        id: raffleIdSchema,
        raffleId: raffleIdSchema.optional().meta({
          description:
            'Optional; must equal the raffle of the path (so a claim’s answer can be sent back as it came).',
        }),
        ticketNumber,
        verificationCode: z.string().min(1).max(verificationCodeLengthMax),
      })
      .superRefine((value, context) => {
        if (value.raffleId !== undefined && value.raffleId !== value.id) {
          context.addIssue({
            code: 'custom',
            path: ['raffleId'],
            message: 'raffleId must be the raffle of the path',
          });
        }
      }),
    verifyOutput: z
      .object({ ticketNumber: count(), won: z.boolean(), prize: prizeOut.nullable() })
      .meta({ id: 'PrizeVerification' }),
  };
}

export type PrizeSchemas = ReturnType<typeof createPrizeSchemas>;
