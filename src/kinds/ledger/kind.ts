/**
 * Kind `ledger`: raffles whose tickets callers issue and transfer, drawn one ticket at a time.
 *
 * Each command is declared once here, with its fields' schema, whether it needs random bytes and
 * the content idempotency compares, beside the handler that applies it to the kind's state — a
 * map of `Ledger`s by raffle id. The engine reaches this file only through the registry. The
 * content lists keep the order they had before kinds existed, so idempotency records written then
 * still match their retries.
 */
import { z } from 'zod';
import { refuse } from '../../domain/reasons.js';
import { ok, type Outcome } from '../../engine/commands.js';
import { defineKind } from '../../engine/kind.js';
import { Ledger, type RaffleStats } from './ledger.js';
import { ledgerDigest, ledgerSnapshot } from './ledger-snapshot.js';

/** The ledger kind's state: every raffle, in creation order. */
export type LedgerRaffles = Map<string, Ledger>;

/** The outcome of each item of a bulk command, in order, and how many were applied. */
export interface BulkResult<T> {
  applied: number;
  refused: number;
  results: Outcome<T>[];
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`ledger kind assertion failed: ${message}`);
}

/** A uint32 read from four bytes of a seed (the skip list's level seed). */
function uint32FromSeed(seed: Uint8Array, offset: number): number {
  assert(seed.length >= offset + 4, 'seed holds four bytes at the offset');
  return (
    ((seed[offset] as number) * 2 ** 24 +
      ((seed[offset + 1] as number) << 16) +
      ((seed[offset + 2] as number) << 8) +
      (seed[offset + 3] as number)) >>>
    0
  );
}

const generatedIdAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A raffle id derived from the seed: `r-` and ten characters, about 51 bits of randomness. */
export function generatedRaffleId(seed: Uint8Array): string {
  let id = 'r-';
  for (let i = 4; i < 14; i += 1) {
    id += generatedIdAlphabet[(seed[i] as number) % generatedIdAlphabet.length];
  }
  return id;
}

/** Applies each item in order and tallies the outcomes. */
function applyEach<I, T>(items: readonly I[], one: (item: I) => Outcome<T>): BulkResult<T> {
  const results = new Array<Outcome<T>>(items.length);
  let applied = 0;
  for (let i = 0; i < items.length; i += 1) {
    const outcome = one(items[i] as I);
    if (outcome.ok) applied += 1;
    results[i] = outcome;
  }
  return { applied, refused: items.length - applied, results };
}

function raffleNotFound(raffleId: string): Outcome<never> {
  return refuse('raffle_not_found', `No raffle has id '${raffleId}'.`);
}

/** Runs `then` on the raffle's ledger, or refuses with `raffle_not_found`. */
function withLedger<T>(
  raffles: LedgerRaffles,
  raffleId: string,
  then: (ledger: Ledger) => Outcome<T>,
): Outcome<T> {
  const ledger = raffles.get(raffleId);
  return ledger === undefined ? raffleNotFound(raffleId) : then(ledger);
}

const count = z.number().int().positive();
const raffleRef = z.object({ raffleId: z.string() });
const issueFields = z.object({ raffleId: z.string(), username: z.string(), count });
const transferFields = z.object({
  raffleId: z.string(),
  from: z.string(),
  to: z.string(),
  count,
});
const issueItem = z.object({ username: z.string(), count });
const transferItem = z.object({ from: z.string(), to: z.string(), count });

export const ledgerKind = defineKind({
  name: 'ledger',
  create: (): LedgerRaffles => new Map(),
  commands: {
    createRaffle: {
      needsSeed: true,
      schema: z.object({ id: z.string().optional(), name: z.string() }),
      content: (fields: { id?: string | undefined; name: string }) => [
        fields.id ?? null,
        fields.name,
      ],
      apply(
        raffles: LedgerRaffles,
        fields: { id?: string | undefined; name: string },
        stamp,
      ): Outcome<RaffleStats> {
        assert(stamp.seed !== undefined, 'a raffle creation carries a seed');
        const id = fields.id ?? generatedRaffleId(stamp.seed);
        if (raffles.has(id))
          return refuse('raffle_id_taken', `A raffle with id '${id}' already exists.`);
        const { rafflesMax, participantsPerRaffleMax } = stamp.limits;
        if (raffles.size >= rafflesMax) {
          return refuse('raffle_limit_reached', `The service already holds ${rafflesMax} raffles.`);
        }
        const ledger = new Ledger({
          id,
          name: fields.name,
          createdAtMs: stamp.atMs,
          levelSeed: uint32FromSeed(stamp.seed, 0),
          participantsMax: participantsPerRaffleMax,
        });
        raffles.set(id, ledger);
        return ok(ledger.stats());
      },
    },
    issue: {
      needsSeed: false,
      schema: issueFields,
      content: (f: z.infer<typeof issueFields>) => [f.raffleId, f.username, f.count],
      apply: (raffles: LedgerRaffles, f: z.infer<typeof issueFields>) =>
        withLedger(raffles, f.raffleId, (ledger) => ledger.issue(f.username, f.count)),
    },
    transfer: {
      needsSeed: false,
      schema: transferFields,
      content: (f: z.infer<typeof transferFields>) => [f.raffleId, f.from, f.to, f.count],
      apply: (raffles: LedgerRaffles, f: z.infer<typeof transferFields>) =>
        withLedger(raffles, f.raffleId, (ledger) => ledger.transfer(f.from, f.to, f.count)),
    },
    issueBulk: {
      needsSeed: false,
      schema: z.object({ raffleId: z.string(), items: z.array(issueItem) }),
      content: (f: { raffleId: string; items: z.infer<typeof issueItem>[] }) => [
        f.raffleId,
        f.items.map((item) => [item.username, item.count]),
      ],
      apply: (
        raffles: LedgerRaffles,
        f: { raffleId: string; items: z.infer<typeof issueItem>[] },
      ) =>
        withLedger(raffles, f.raffleId, (ledger) =>
          ok(applyEach(f.items, (item) => ledger.issue(item.username, item.count))),
        ),
    },
    transferBulk: {
      needsSeed: false,
      schema: z.object({ raffleId: z.string(), items: z.array(transferItem) }),
      content: (f: { raffleId: string; items: z.infer<typeof transferItem>[] }) => [
        f.raffleId,
        f.items.map((item) => [item.from, item.to, item.count]),
      ],
      apply: (
        raffles: LedgerRaffles,
        f: { raffleId: string; items: z.infer<typeof transferItem>[] },
      ) =>
        withLedger(raffles, f.raffleId, (ledger) =>
          ok(applyEach(f.items, (item) => ledger.transfer(item.from, item.to, item.count))),
        ),
    },
    draw: {
      needsSeed: true,
      schema: raffleRef,
      content: (f: { raffleId: string }) => [f.raffleId],
      apply: (raffles: LedgerRaffles, f: { raffleId: string }, stamp) =>
        withLedger(raffles, f.raffleId, (ledger) => {
          assert(stamp.seed !== undefined, 'a draw carries a seed');
          return ledger.draw(stamp.seed, stamp.atMs);
        }),
    },
  },
  queries: {
    /**
     * Raffles in creation order (the map's order: raffles are never removed), after the
     * `afterOrdinal`-th (1-based; 0 from the start). A position past the last raffle was never
     * handed out as a cursor, so it is refused rather than answered with an empty page.
     */
    listRaffles: {
      run: (raffles: LedgerRaffles, f: { afterOrdinal: number; limit: number }) => {
        if (f.afterOrdinal > raffles.size) {
          return refuse('invalid_cursor', `No raffle list position ${f.afterOrdinal} was issued.`);
        }
        const page = [];
        let ordinal = 0;
        for (const ledger of raffles.values()) {
          ordinal += 1;
          if (ordinal <= f.afterOrdinal) continue;
          if (page.length === f.limit) break;
          page.push(ledger.stats());
        }
        const next = f.afterOrdinal + page.length;
        return ok({ raffles: page, nextAfterOrdinal: next < raffles.size ? next : undefined });
      },
    },
    getRaffle: {
      run: (raffles: LedgerRaffles, f: { raffleId: string }) =>
        withLedger(raffles, f.raffleId, (ledger) => ok(ledger.stats())),
    },
    listParticipants: {
      run: (raffles: LedgerRaffles, f: { raffleId: string; afterSeq: number; limit: number }) =>
        withLedger(raffles, f.raffleId, (ledger) =>
          // Seqs are handed out in order, so one at or past the next seq was never admitted and
          // never named by a cursor; a participant who left keeps naming a valid position.
          f.afterSeq >= ledger.nextAdmissionSeq
            ? refuse('invalid_cursor', `No participant list position ${f.afterSeq} was issued.`)
            : ok(ledger.participants(f.afterSeq, f.limit)),
        ),
    },
    getParticipant: {
      run: (raffles: LedgerRaffles, f: { raffleId: string; username: string }) =>
        withLedger(raffles, f.raffleId, (ledger) => ledger.participant(f.username)),
    },
    listDraws: {
      run: (raffles: LedgerRaffles, f: { raffleId: string; afterDrawId: number; limit: number }) =>
        withLedger(raffles, f.raffleId, (ledger) => ok(ledger.draws(f.afterDrawId, f.limit))),
    },
  },
  invariants(raffles: LedgerRaffles): void {
    for (const [id, ledger] of raffles) {
      assert(ledger.id === id, `raffle '${id}' is filed under its own id`);
      ledger.checkInvariants();
    }
  },
  raffleCount: (raffles: LedgerRaffles) => raffles.size,
  configure(raffles: LedgerRaffles, limits): void {
    for (const ledger of raffles.values()) ledger.participantsMax = limits.participantsPerRaffleMax;
  },
  snapshot: ledgerSnapshot,
  digest: ledgerDigest,
});
