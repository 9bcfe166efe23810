/**
 * zod schemas of every input and output, built once from the limits in force.
 *
 * Validation happens here, at the edge: a command only exists once its input passed these
 * schemas, so the ledger sees well-formed usernames and counts and only checks business rules.
 * The schemas are built by a function because some bounds (`COUNT_MAX`) are configured at start;
 * the inferred types do not depend on those values, so the client's types stay the same.
 */
import { z } from 'zod';
import { beaconInput, randomnessOutput } from './randomness-schemas.js';
import { reasons } from '../domain/reasons.js';
import { hasInvisibleCharacters } from './identity-text.js';
import {
  idempotencyKeyLengthMax,
  idempotencyKeyLengthMin,
  bulkItemsMaxDefault,
  cursorLengthMax,
  pageLimitDefault,
  pageLimitMax,
  raffleIdLengthMax,
  raffleIdLengthMin,
  raffleNameLengthMax,
  raffleNameLengthMin,
  usernameLengthMax,
  usernameLengthMin,
} from '../config/limits.js';

const controlCharacter = /\p{Cc}/u;
const surroundingWhitespace = /^\s|\s$/u;
const plainAsciiName = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const slugPattern = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Text checks shared by usernames and raffle names: well-formed, no control characters, no bidi
 * controls or invisible characters (`identity-text.ts`), no surrounding whitespace.
 */
function refineText(value: string, context: z.RefinementCtx, label: string): void {
  if (!value.isWellFormed()) {
    context.addIssue({ code: 'custom', message: `${label} must be well-formed Unicode` });
  }
  if (controlCharacter.test(value)) {
    context.addIssue({ code: 'custom', message: `${label} must not contain control characters` });
  }
  if (hasInvisibleCharacters(value)) {
    context.addIssue({
      code: 'custom',
      message: `${label} must not contain bidirectional controls or invisible characters`,
    });
  }
  if (surroundingWhitespace.test(value)) {
    context.addIssue({ code: 'custom', message: `${label} must not start or end with whitespace` });
  }
}

function codePointLength(value: string): number {
  let length = 0;
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one code point; a lone surrogate counts as one.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    length += 1;
  }
  return length;
}

/**
 * When the name check runs: as zod would, except on a plain printable ASCII name within the
 * bounds (nearly every name), where it has nothing to find. A `superRefine` allocates a closure
 * on every run, and a sampling heap profile of the objects that died in the old generation put
 * zod's refinement closures at a quarter of what an issue request promoted there.
 */
const whenItCanFail = {
  when: (payload: z.core.ParsePayload): boolean => {
    // zod's own rule first: no check after an issue that stops the parse.
    if (z.core.util.aborted(payload)) return false;
    const value = payload.value as string;
    return !(
      plainAsciiName.test(value) &&
      value.length >= usernameLengthMin &&
      value.length <= usernameLengthMax
    );
  },
};

/**
 * A participant's name: NFC-normalised, then 1–64 characters (Unicode code points, as zod counts
 * them), well-formed, no control characters, no bidi controls or invisible characters outside
 * emoji sequences, no surrounding whitespace. Two spellings of the same text are the same
 * participant; two names that look the same are the same text.
 */
export const usernameSchema = z
  .string()
  .normalize('NFC')
  // One check instead of min, max and a refinement: it runs for every item of a bulk request.
  // The documented bounds are the same ones, given as metadata.
  .superRefine((value, context) => {
    // Most names are plain printable ASCII with no surrounding space: only the length to check,
    // and it is the string's length. Otherwise characters are code points.
    const plain = plainAsciiName.test(value);
    const length = plain ? value.length : codePointLength(value);
    if (length < usernameLengthMin || length > usernameLengthMax) {
      context.addIssue({
        code: 'custom',
        message: `username must be ${usernameLengthMin}–${usernameLengthMax} characters`,
      });
    }
    if (!plain) refineText(value, context, 'username');
  }, whenItCanFail)
  .meta({
    description: `Participant name: NFC-normalised, ${usernameLengthMin}–${usernameLengthMax} characters, no control characters, bidirectional controls, invisible characters (zero-width space, joiner outside emoji, …) or surrounding whitespace.`,
    example: 'alice',
    minLength: usernameLengthMin,
    maxLength: usernameLengthMax,
  });

export const raffleIdSchema = z
  .string()
  .min(raffleIdLengthMin)
  .max(raffleIdLengthMax)
  .regex(slugPattern, 'raffle id must be a slug: lowercase letters, digits and inner hyphens')
  .meta({ description: 'Raffle id, a slug.', example: 'main' });

export const raffleNameSchema = z
  .string()
  .min(raffleNameLengthMin)
  .max(raffleNameLengthMax)
  .superRefine((value, context) => refineText(value, context, 'name'))
  .meta({ description: 'Display name of the raffle.', example: 'Spring raffle' });

/**
 * An idempotency key: 1–200 printable ASCII characters without spaces (a UUID fits). The same
 * pattern checks the REST `Idempotency-Key` header.
 */
export const idempotencyKeyPattern = new RegExp(
  `^[\\x21-\\x7e]{${idempotencyKeyLengthMin},${idempotencyKeyLengthMax}}$`,
);

export const idempotencyKeySchema = z
  .string()
  .regex(idempotencyKeyPattern, 'an idempotency key is 1–200 printable ASCII characters, no spaces')
  // No example: an example key copied into every request would make them collide.
  .meta({
    description:
      'Idempotency key: a retry with the same key and the same request gets the first answer without being applied again; the same key with another request is refused (422 `idempotency_key_reused`). On REST the `Idempotency-Key` header does the same.',
  });

export const cursorSchema = z.string().max(cursorLengthMax).meta({
  description:
    'Opaque cursor: the previous page’s `nextCursor`, unchanged. Anything else is refused (400 `invalid_cursor`).',
});

/** A page size as a query string gives it: decimal digits only (no `0x10`, `1e1`, ` 10`). */
const decimalDigits = /^[0-9]{1,9}$/;

/**
 * A JSON number that passes `check`, refused with `message` otherwise: one check instead of int,
 * min and max (it runs for every item of a bulk request), a refinement with a fixed message (a
 * `superRefine` allocates a closure on every run), the type and bounds documented by `meta`. The
 * pipe keeps it strict: trpc-to-openapi switches on `coerce` for every input field that unwraps
 * to a plain number, body fields included, which would take "5", true or [3]; a pipe is not
 * unwrapped.
 */
export const strictNumber = (
  check: (value: number) => boolean,
  message: string,
  meta: Record<string, unknown>,
) => z.number().refine(check, { message }).meta(meta).pipe(z.number());

/**
 * A whole number ≥ `minimum` (0 unless said), in outputs: one check (bulk results hold thousands
 * of them).
 */
const wholeNumber = (minimum = 0) =>
  z
    .number()
    .refine((value) => Number.isSafeInteger(value) && value >= minimum, {
      message: `expected a whole number ≥ ${minimum}`,
    })
    .meta({ type: 'integer', minimum });

// A query string arrives as text. trpc-to-openapi would coerce it with `Number()`, which reads
// `0x10`, `1e1` and ` 10 ` as numbers; the preprocess step (a pipe, which the adapter does not
// coerce) converts decimal digits only and leaves anything else to fail as not a number.
// Its input type stays `number`, so tRPC callers pass a number as before.
export const pageLimitSchema = z
  .preprocess<unknown, z.ZodNumber, number>(
    (value) => (typeof value === 'string' && decimalDigits.test(value) ? Number(value) : value),
    z.number().int().min(1).max(pageLimitMax),
  )
  .default(pageLimitDefault)
  .meta({
    description: `Page size, a whole number from 1 to ${pageLimitMax} (default ${pageLimitDefault}).`,
  });

/** A page of a listing: its size and where it starts (a cursor from the previous page). */
export const pageQuery = { limit: pageLimitSchema, cursor: cursorSchema.optional() };

const isoTime = z.iso.datetime().meta({ example: '2026-11-21T09:30:00.000Z' });

/** A refused item of a bulk request: the same reason and message a single request would get. */
const bulkRefusal = z
  .object({ ok: z.literal(false), reason: z.enum(reasons), message: z.string() })
  .meta({ id: 'BulkItemRefusal' });

function bulkOutput<T extends z.ZodType>(value: T, id: string) {
  return z
    .object({
      applied: z.number().int().nonnegative().meta({ description: 'Items applied.' }),
      refused: z.number().int().nonnegative().meta({ description: 'Items refused.' }),
      results: z
        .array(z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), value }), bulkRefusal]))
        .meta({ description: 'One result per item, in the order of the request.' }),
    })
    .meta({ id });
}

export function createSchemas(limits: { countMax: number; bulkItemsMax?: number | undefined }) {
  const bulkItemsMax = limits.bulkItemsMax ?? bulkItemsMaxDefault;
  // A strict number (never coerced from text); the query parameter `limit` is coerced as intended.
  const countSchema = strictNumber(
    (value) => Number.isInteger(value) && value >= 1 && value <= limits.countMax,
    `count must be a whole number from 1 to ${limits.countMax}`,
    {
      description: `Whole number of tickets, 1 to ${limits.countMax}.`,
      example: 10,
      type: 'integer',
      minimum: 1,
      maximum: limits.countMax,
    },
  );

  const raffle = z
    .object({
      id: raffleIdSchema,
      name: z.string(),
      createdAt: isoTime,
      totalTickets: wholeNumber(),
      participantCount: wholeNumber(),
      drawCount: wholeNumber(),
    })
    .meta({ id: 'Raffle' });

  const participant = z
    .object({ username: z.string(), tickets: wholeNumber() })
    .meta({ id: 'Participant' });

  const draw = z
    .object({
      drawId: wholeNumber(1).meta({ description: '1-based number of the draw in its raffle.' }),
      username: z.string().meta({ description: 'The winner.' }),
      ticketsLeft: wholeNumber().meta({ description: 'Tickets the winner still holds.' }),
      totalTicketsBefore: wholeNumber(),
      ticketIndex: wholeNumber().meta({
        description: 'Index of the drawn ticket in [0, totalTicketsBefore).',
      }),
      at: isoTime,
      randomness: randomnessOutput,
    })
    .meta({ id: 'Draw' });

  const issueOutput = z
    .object({ username: z.string(), tickets: wholeNumber(), totalTickets: wholeNumber() })
    .meta({ id: 'IssueResult' });
  const transferOutput = z
    .object({ from: participant, to: participant })
    .meta({ id: 'TransferResult' });

  return {
    count: countSchema,
    raffle,
    participant,
    draw,
    createRaffleInput: z.object({
      id: raffleIdSchema.optional(),
      name: raffleNameSchema,
      requestId: idempotencyKeySchema.optional(),
    }),
    raffleRef: z.object({ raffleId: raffleIdSchema }),
    drawInput: z.object({
      raffleId: raffleIdSchema,
      requestId: idempotencyKeySchema.optional(),
      beacon: beaconInput,
    }),
    rafflePageInput: z.object(pageQuery),
    listRafflesOutput: z
      .object({ raffles: z.array(raffle), nextCursor: z.string().nullable() })
      .meta({ id: 'RafflePage' }),
    issueInput: z.object({
      raffleId: raffleIdSchema,
      username: usernameSchema,
      count: countSchema,
      requestId: idempotencyKeySchema.optional(),
    }),
    issueOutput,
    issueBulkOutput: bulkOutput(issueOutput, 'IssueBulkResult'),
    transferInput: z.object({
      raffleId: raffleIdSchema,
      from: usernameSchema,
      to: usernameSchema,
      count: countSchema,
      requestId: idempotencyKeySchema.optional(),
    }),
    transferOutput,
    transferBulkOutput: bulkOutput(transferOutput, 'TransferBulkResult'),
    issueBulkInput: z.object({
      raffleId: raffleIdSchema,
      items: z
        .array(z.object({ username: usernameSchema, count: countSchema }))
        .min(1)
        .max(bulkItemsMax)
        .meta({ description: `1 to ${bulkItemsMax} issues, applied in order.` }),
      requestId: idempotencyKeySchema.optional(),
    }),
    transferBulkInput: z.object({
      raffleId: raffleIdSchema,
      items: z
        .array(z.object({ from: usernameSchema, to: usernameSchema, count: countSchema }))
        .min(1)
        .max(bulkItemsMax)
        .meta({ description: `1 to ${bulkItemsMax} transfers, applied in order.` }),
      requestId: idempotencyKeySchema.optional(),
    }),
    pageInput: z.object({
      raffleId: raffleIdSchema,
      ...pageQuery,
    }),
    participantPage: z.object({
      participants: z.array(participant),
      nextCursor: z.string().nullable(),
    }),
    drawPage: z.object({ draws: z.array(draw), nextCursor: z.string().nullable() }),
    participantRef: z.object({ raffleId: raffleIdSchema, username: usernameSchema }),
  };
}

export type Schemas = ReturnType<typeof createSchemas>;
