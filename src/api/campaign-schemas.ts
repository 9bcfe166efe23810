/**
 * zod schemas of the campaign operations' inputs and outputs (kind `campaign`), with the OpenAPI
 * metadata of each field.
 *
 * The edge checks shapes and bounds; the kind checks the rules that need the whole campaign
 * (exact probability sum, unique prize ids, window order) and answers them with their own
 * reasons. Numbers in bodies go through a `pipe` so trpc-to-openapi's coercion (meant for query
 * parameters) never turns `"5"` into 5.
 */
import { z } from 'zod';
import { beaconInput, randomnessOutput } from './randomness-schemas.js';
import {
  campaignPrizesMax,
  campaignQuotaMax,
  couponCodeInputLengthMax,
  phoneInputLengthMax,
  prizeIdLengthMax,
  campaignPrizeNameLengthMax,
  campaignPrizeNameLengthMin,
  timeZoneLengthMax,
} from '../config/limits.js';
import {
  idempotencyKeySchema,
  pageQuery,
  raffleIdSchema,
  raffleNameSchema,
  strictNumber,
} from './schemas.js';

const slugPattern = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const controlCharacter = /\p{Cc}/u;
const surroundingWhitespace = /^\s|\s$/u;

const campaignIdSchema = raffleIdSchema.meta({
  description: 'Campaign id, a slug.',
  example: 'lunar-new-year',
});

const prizeIdSchema = z
  .string()
  .min(1)
  .max(prizeIdLengthMax)
  .regex(slugPattern, 'prize id must be a slug: lowercase letters, digits and inner hyphens')
  .meta({ description: 'Prize id, a slug unique within its campaign.', example: 'cash-5' });

const prizeNameSchema = z
  .string()
  .min(campaignPrizeNameLengthMin)
  .max(campaignPrizeNameLengthMax)
  .refine(
    (value) =>
      value.isWellFormed() && !controlCharacter.test(value) && !surroundingWhitespace.test(value),
    {
      message:
        'prize name must be well-formed text without control characters or surrounding whitespace',
    },
  )
  .meta({ example: '$5 cash coupon' });

const quotaSchema = (what: string) =>
  strictNumber(
    (value) => Number.isInteger(value) && value >= 0 && value <= campaignQuotaMax,
    `${what} must be a whole number from 0 to ${campaignQuotaMax}`,
    { type: 'integer', minimum: 0, maximum: campaignQuotaMax, example: 100 },
  );

const instantInput = z.iso.datetime({ offset: true }).meta({
  description: 'ISO 8601 date and time with `Z` or an offset; echoed in UTC.',
  example: '2027-01-01T00:00:00+08:00',
});

const isoTime = z.iso.datetime().meta({ example: '2027-01-01T09:30:00.000Z' });

const wholeNumber = z.number().int().nonnegative();
/** A 1-based number (draw ids). */
const ordinal = z.number().int().positive();

const phoneInput = z.string().min(1).max(phoneInputLengthMax).meta({
  description:
    'Phone number with its country code, in any usual spelling (`+65 9123 4567`); stored as E.164. In a query string write the `+` as `%2B`.',
  example: '+6591234567',
});

const prizeRef = z.object({ id: z.string(), name: z.string() }).meta({ id: 'CampaignPrizeRef' });

const requestId = idempotencyKeySchema.optional();

export const campaignSchemas = {
  createInput: z.object({
    id: campaignIdSchema.optional(),
    name: raffleNameSchema,
    startsAt: instantInput,
    endsAt: instantInput,
    timeZone: z.string().min(1).max(timeZoneLengthMax).default('UTC').meta({
      description: 'IANA time zone whose calendar days the campaign counts in.',
      example: 'Asia/Singapore',
    }),
    prizes: z
      .array(
        z.object({
          id: prizeIdSchema.optional(),
          name: prizeNameSchema,
          probability: strictNumber(
            (value) => value > 0 && value <= 1,
            'probability must be above 0 and at most 1',
            {
              description:
                'Chance of winning this prize in one draw, in (0, 1]; the sum over prizes is at most 1, compared exactly in decimal.',
              example: 0.1,
              exclusiveMinimum: 0,
              maximum: 1,
            },
          ),
          quotaTotal: quotaSchema('quotaTotal'),
          quotaDaily: quotaSchema('quotaDaily').optional().meta({
            description: 'Wins per calendar day in the campaign zone; defaults to quotaTotal.',
          }),
        }),
      )
      .min(1)
      .max(campaignPrizesMax),
    requestId,
  }),
  campaign: z
    .object({
      id: z.string(),
      name: z.string(),
      startsAt: isoTime,
      endsAt: isoTime,
      timeZone: z.string(),
      createdAt: isoTime,
      status: z.enum(['upcoming', 'active', 'ended']),
      day: z
        .string()
        .meta({ description: 'Today in the campaign zone (`YYYY-MM-DD`).', example: '2027-01-01' }),
      drawCount: wholeNumber,
      phoneCount: wholeNumber,
      prizes: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          probability: z.number(),
          quotaTotal: wholeNumber,
          quotaDaily: wholeNumber,
          wonTotal: wholeNumber,
          wonToday: wholeNumber,
          remainingTotal: wholeNumber,
          remainingToday: wholeNumber.meta({
            description: 'min(quotaDaily − wonToday, remainingTotal).',
          }),
        }),
      ),
    })
    .meta({ id: 'Campaign' }),
  listInput: z.object(pageQuery),
  ref: z.object({ campaignId: campaignIdSchema }),
  drawInput: z.object({
    campaignId: campaignIdSchema,
    phone: phoneInput,
    requestId,
    beacon: beaconInput,
  }),
  draw: z
    .object({
      drawId: ordinal.meta({ description: '1-based number of the draw in its campaign.' }),
      campaignId: z.string(),
      phone: z.string().meta({ description: 'The phone in E.164.' }),
      day: z.string().meta({ description: 'The campaign day the draw counts for (`YYYY-MM-DD`).' }),
      at: isoTime,
      won: z.boolean(),
      prize: prizeRef.nullable(),
      coupon: z
        .object({ code: z.string().meta({ example: '7KQ2-M9XD-0RTB-4WFH' }) })
        .nullable()
        .meta({ description: 'The coupon won: shown here, to the drawer, and to operators only.' }),
      randomness: randomnessOutput,
    })
    .meta({ id: 'CampaignDraw' }),
  phoneDrawsInput: z.object({ campaignId: campaignIdSchema, phone: phoneInput }),
  phoneDraws: z
    .object({
      campaignId: z.string(),
      phone: z.string(),
      drawCount: wholeNumber.meta({ description: 'Every draw of the phone, listed or not.' }),
      draws: z.array(
        z.object({
          drawId: ordinal,
          day: z.string(),
          at: isoTime,
          won: z.boolean(),
          prize: prizeRef.nullable(),
          coupon: z.object({ code: z.string(), redeemedAt: isoTime.nullable() }).nullable(),
        }),
      ),
    })
    .meta({ id: 'CampaignPhoneDraws' }),
  redeemInput: z.object({
    campaignId: campaignIdSchema,
    couponCode: z.string().min(1).max(couponCodeInputLengthMax).meta({
      description: 'The code as the customer shows it; case, hyphens and spaces do not matter.',
      example: '7KQ2-M9XD-0RTB-4WFH',
    }),
    requestId,
  }),
  redemption: z
    .object({
      code: z.string(),
      campaignId: z.string(),
      phone: z.string(),
      drawId: ordinal,
      prize: prizeRef,
      wonAt: isoTime,
      redeemedAt: isoTime,
    })
    .meta({ id: 'CouponRedemption' }),
};

export const campaignPageSchema = z.object({
  campaigns: z.array(campaignSchemas.campaign),
  nextCursor: z.string().nullable(),
});
