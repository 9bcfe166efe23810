/**
 * Kind `prize`: numbered-ticket raffles. Players claim tickets 1..N, handed out in a uniformly
 * random order, one per client address; once sold out an operator draws one winning ticket per
 * prize; holders verify their tickets with the code they were shown when they claimed.
 *
 * Each command is declared once, with its fields' schema, its need for random bytes and the
 * content idempotency compares, beside its handler. Secrets never reach this file: a claim
 * carries a keyed pseudonym of the address (`holder`) and a keyed hash of the verification code,
 * both made at the edge, and optionally the code sealed under a key only the caller's raw
 * idempotency key opens, which the claim's answer hands back so that a retry under the same key
 * can show the same code. The claim's idempotency content is only the raffle and the holder: a
 * retry brings a fresh code, hash and seal, and must still count as the same request.
 */
import { z } from 'zod';
import { prizeTicketCountMax, prizesPerRaffleMax } from '../../config/limits.js';
import { SeedByteStream } from '../../domain/random-index.js';
import { refuse } from '../../domain/reasons.js';
import { ok, type Outcome } from '../../engine/commands.js';
import { defineKind, withRandomness, type Stamp } from '../../engine/kind.js';
import {
  PrizeRaffle,
  type PrizeDrawResult,
  type PrizeRaffleSummary,
  type VerificationResult,
} from './prize-raffle.js';
import {
  emptyPrizeRaffles,
  prizeDigest,
  prizeSnapshot,
  type PrizeRaffles,
} from './prize-snapshot.js';

export type { PrizeRaffles };

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`prize kind assertion failed: ${message}`);
}

const generatedIdAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A raffle id derived from the seed: `p-` and ten characters, about 51 bits of randomness. */
export function generatedPrizeRaffleId(seed: Uint8Array): string {
  let id = 'p-';
  for (let i = 0; i < 10; i += 1) {
    id += generatedIdAlphabet[(seed[i] as number) % generatedIdAlphabet.length];
  }
  return id;
}

/** A keyed hash or pseudonym as the edge makes them: 16 bytes in base64url (22 characters). */
const keyedHash = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

const createFields = z.object({
  id: z.string().optional(),
  name: z.string(),
  ticketCount: z.number().int().min(1).max(prizeTicketCountMax),
  prizes: z.array(z.string()).min(1).max(prizesPerRaffleMax),
});
const claimFields = z.object({
  raffleId: z.string(),
  holder: keyedHash,
  codeHash: keyedHash,
  /** The code sealed under the caller's idempotency key; only when the claim has a key. */
  sealedCode: z.string().optional(),
});
const raffleRef = z.object({ raffleId: z.string() });
/** A draw may name a public beacon value, mixed into its random bytes by the engine. */
const drawFields = raffleRef.extend({ beacon: z.string().optional() });

type CreateFields = z.infer<typeof createFields>;
type ClaimFields = z.infer<typeof claimFields>;

/** What a claim answers: the ticket, and the sealed code when the claim carried one. */
export interface ClaimResult {
  raffleId: string;
  ticketNumber: number;
  sealedCode?: string;
}

export interface PrizeRafflePage {
  raffles: PrizeRaffleSummary[];
  /** Creation number of the last raffle listed when older ones remain; the next page's cursor. */
  nextBeforeNumber: number | undefined;
}

function raffleNotFound(raffleId: string): Outcome<never> {
  return refuse('raffle_not_found', `No prize raffle has id '${raffleId}'.`);
}

function withRaffle<T>(
  state: PrizeRaffles,
  raffleId: string,
  then: (raffle: PrizeRaffle) => Outcome<T>,
): Outcome<T> {
  const raffle = state.byId.get(raffleId);
  return raffle === undefined ? raffleNotFound(raffleId) : then(raffle);
}

function seedOf(stamp: Stamp): SeedByteStream {
  assert(stamp.seed !== undefined, 'the command carries a seed');
  return new SeedByteStream(stamp.seed);
}

export const prizeKind = defineKind({
  name: 'prize',
  create: (): PrizeRaffles => emptyPrizeRaffles(),
  commands: {
    createRaffle: {
      needsSeed: true,
      schema: createFields,
      content: (f: CreateFields) => [f.id ?? null, f.name, f.ticketCount, f.prizes],
      apply(state: PrizeRaffles, f: CreateFields, stamp): Outcome<PrizeRaffleSummary> {
        assert(stamp.seed !== undefined, 'a creation carries a seed');
        const id = f.id ?? generatedPrizeRaffleId(stamp.seed);
        if (state.byId.has(id))
          return refuse('raffle_id_taken', `A prize raffle with id '${id}' already exists.`);
        if (f.prizes.length > f.ticketCount) {
          return refuse(
            'too_many_prizes',
            `${f.prizes.length} prizes need ${f.prizes.length} distinct winning tickets; the raffle has ${f.ticketCount}.`,
          );
        }
        const { rafflesMax } = stamp.limits;
        if (state.created.length >= rafflesMax) {
          return refuse(
            'raffle_limit_reached',
            `The service already holds ${rafflesMax} prize raffles.`,
          );
        }
        const raffle = new PrizeRaffle({
          id,
          name: f.name,
          ticketCount: f.ticketCount,
          prizes: f.prizes,
          createdAtMs: stamp.atMs,
          number: state.created.length + 1,
        });
        state.byId.set(id, raffle);
        state.created.push(raffle);
        return ok(raffle.summary());
      },
    },
    claim: {
      needsSeed: true,
      schema: claimFields,
      content: (f: ClaimFields) => [f.raffleId, f.holder],
      apply: (state: PrizeRaffles, f: ClaimFields, stamp): Outcome<ClaimResult> =>
        withRaffle(state, f.raffleId, (raffle) => {
          const claimed = raffle.claim(f.holder, f.codeHash, seedOf(stamp));
          if (!claimed.ok) return claimed;
          const result: ClaimResult = {
            raffleId: raffle.id,
            ticketNumber: claimed.value.ticketNumber,
          };
          if (f.sealedCode !== undefined) result.sealedCode = f.sealedCode;
          return ok(result);
        }),
      // An audit shows who got which ticket (by pseudonym, in the command), never the sealed code.
      publicOutcome: (value: ClaimResult) => ({
        raffleId: value.raffleId,
        ticketNumber: value.ticketNumber,
      }),
    },
    draw: {
      needsSeed: true,
      schema: drawFields,
      // A draw without a beacon keeps the content it had before beacons existed.
      content: (f: z.infer<typeof drawFields>) =>
        f.beacon === undefined ? [f.raffleId] : [f.raffleId, f.beacon],
      apply: (state: PrizeRaffles, f: z.infer<typeof drawFields>, stamp) =>
        withRaffle(state, f.raffleId, (raffle) =>
          withRandomness(raffle.draw(seedOf(stamp), stamp.atMs), stamp),
        ),
    },
  },
  queries: {
    /** Newest first: `beforeNumber` 0 starts at the newest; otherwise raffles created before it. */
    listRaffles: {
      run(
        state: PrizeRaffles,
        f: { beforeNumber: number; limit: number },
      ): Outcome<PrizeRafflePage> {
        const count = state.created.length;
        if (f.beforeNumber > count) {
          return refuse(
            'invalid_cursor',
            `'${f.beforeNumber}' is not a cursor this service issued.`,
          );
        }
        const start = f.beforeNumber === 0 ? count : f.beforeNumber - 1;
        const end = Math.max(0, start - f.limit);
        const raffles: PrizeRaffleSummary[] = [];
        for (let i = start - 1; i >= end; i -= 1) {
          raffles.push((state.created[i] as PrizeRaffle).summary());
        }
        return ok({ raffles, nextBeforeNumber: end > 0 ? end + 1 : undefined });
      },
    },
    getRaffle: {
      run: (state: PrizeRaffles, f: { raffleId: string }): Outcome<PrizeRaffleSummary> =>
        withRaffle(state, f.raffleId, (raffle) => ok(raffle.summary())),
    },
    winners: {
      run: (state: PrizeRaffles, f: { raffleId: string }): Outcome<PrizeDrawResult> =>
        withRaffle(state, f.raffleId, (raffle) => raffle.drawn()),
    },
    verify: {
      run: (
        state: PrizeRaffles,
        f: { raffleId: string; ticketNumber: number; codeHash: string },
      ): Outcome<VerificationResult> =>
        withRaffle(state, f.raffleId, (raffle) => raffle.verify(f.ticketNumber, f.codeHash)),
    },
  },
  invariants(state: PrizeRaffles): void {
    assert(state.byId.size === state.created.length, 'every raffle is filed once');
    state.created.forEach((raffle, index) => {
      assert(raffle.number === index + 1, `'${raffle.id}' has its creation number`);
      assert(state.byId.get(raffle.id) === raffle, `'${raffle.id}' is filed under its id`);
      raffle.checkInvariants();
    });
  },
  raffleCount: (state: PrizeRaffles) => state.created.length,
  snapshot: prizeSnapshot,
  digest: prizeDigest,
});
