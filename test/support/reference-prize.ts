/**
 * A naive reference model of the prize kind, for property tests: plain arrays and linear scans.
 *
 * Each raffle keeps the whole array of ticket values (a real Fisher–Yates shuffle, swapped in
 * place), its claims as a list of records searched one by one, and its winners as an array
 * checked with `includes`. It reads random bytes exactly as the kind does (the same unbiased
 * `uniformIndex` over the same seed stream), so the two must hand out the same tickets and pick
 * the same winners; everything else is written independently of the kind's code. Its digest uses
 * the kind's text format, the sparse map derived from the array (positions at or past the step
 * count whose value is not their own), so the two states can be compared line by line.
 */
import type { PrizeRaffle } from '../../src/api/answer-shapes.js';
import { SeedByteStream, uniformIndex } from '../../src/domain/random-index.js';

export type RefOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

interface RefClaim {
  ticket: number;
  holder: string;
  codeHash: string;
}

interface RefRaffle {
  id: string;
  name: string;
  ticketCount: number;
  prizes: string[];
  createdAtMs: number;
  number: number;
  /** values[p] is the ticket value (0-based) at shuffle position p. */
  values: number[];
  claims: RefClaim[];
  drawnAtMs: number | undefined;
  winners: number[];
}

/** A raffle's figures as the kind answers them: the API's answer with times in ms, prize names. */
export interface RefSummary extends Omit<PrizeRaffle, 'prizes' | 'createdAt' | 'drawnAt'> {
  prizes: string[];
  createdAtMs: number;
  drawnAtMs: number | undefined;
}

const idAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

function refuse<T>(reason: string): RefOutcome<T> {
  return { ok: false, reason };
}

export class ReferencePrize {
  private readonly raffles: RefRaffle[] = [];

  constructor(private readonly rafflesMax: number) {}

  private find(id: string): RefRaffle | undefined {
    return this.raffles.find((raffle) => raffle.id === id);
  }

  private summary(r: RefRaffle): RefSummary {
    const claimed = r.claims.length;
    return {
      id: r.id,
      name: r.name,
      ticketCount: r.ticketCount,
      ticketsClaimed: claimed,
      ticketsRemaining: r.ticketCount - claimed,
      status: r.drawnAtMs !== undefined ? 'drawn' : claimed === r.ticketCount ? 'sold_out' : 'open',
      prizes: [...r.prizes],
      createdAtMs: r.createdAtMs,
      drawnAtMs: r.drawnAtMs,
    };
  }

  create(
    f: { id?: string | undefined; name: string; ticketCount: number; prizes: string[] },
    seed: Uint8Array,
    atMs: number,
  ): RefOutcome<RefSummary> {
    let id = f.id;
    if (id === undefined) {
      id = 'p-';
      for (let i = 0; i < 10; i += 1) id += idAlphabet[(seed[i] as number) % idAlphabet.length];
    }
    if (this.find(id) !== undefined) return refuse('raffle_id_taken');
    if (f.prizes.length > f.ticketCount) return refuse('too_many_prizes');
    if (this.raffles.length >= this.rafflesMax) return refuse('raffle_limit_reached');
    const raffle: RefRaffle = {
      id,
      name: f.name,
      ticketCount: f.ticketCount,
      prizes: [...f.prizes],
      createdAtMs: atMs,
      number: this.raffles.length + 1,
      values: Array.from({ length: f.ticketCount }, (_, i) => i),
      claims: [],
      drawnAtMs: undefined,
      winners: [],
    };
    this.raffles.push(raffle);
    return { ok: true, value: this.summary(raffle) };
  }

  claim(
    f: { raffleId: string; holder: string; codeHash: string; sealedCode?: string | undefined },
    seed: Uint8Array,
  ): RefOutcome<{ raffleId: string; ticketNumber: number; sealedCode?: string }> {
    const r = this.find(f.raffleId);
    if (r === undefined) return refuse('raffle_not_found');
    if (r.claims.some((claim) => claim.holder === f.holder)) return refuse('already_participated');
    if (r.claims.length === r.ticketCount) return refuse('sold_out');
    const step = r.claims.length;
    const picked = step + uniformIndex(r.ticketCount - step, new SeedByteStream(seed));
    const held = r.values[step] as number;
    r.values[step] = r.values[picked] as number;
    r.values[picked] = held;
    const ticket = r.values[step] + 1;
    r.claims.push({ ticket, holder: f.holder, codeHash: f.codeHash });
    return {
      ok: true,
      value: {
        raffleId: r.id,
        ticketNumber: ticket,
        ...(f.sealedCode === undefined ? {} : { sealedCode: f.sealedCode }),
      },
    };
  }

  private drawResult(r: RefRaffle) {
    return {
      raffleId: r.id,
      winners: r.winners.map((ticketNumber, i) => ({ prize: r.prizes[i] as string, ticketNumber })),
      drawnAtMs: r.drawnAtMs as number,
    };
  }

  draw(raffleId: string, seed: Uint8Array, atMs: number) {
    const r = this.find(raffleId);
    if (r === undefined) return refuse('raffle_not_found');
    if (r.drawnAtMs !== undefined) return refuse('already_drawn');
    if (r.claims.length < r.ticketCount) return refuse('tickets_remaining');
    const stream = new SeedByteStream(seed);
    const picks: number[] = [];
    for (let j = r.ticketCount - r.prizes.length; j < r.ticketCount; j += 1) {
      const t = uniformIndex(j + 1, stream);
      picks.push(picks.includes(t) ? j : t);
    }
    for (let i = picks.length - 1; i > 0; i -= 1) {
      const k = uniformIndex(i + 1, stream);
      [picks[i], picks[k]] = [picks[k] as number, picks[i] as number];
    }
    r.winners = picks.map((value) => value + 1);
    r.drawnAtMs = atMs;
    return { ok: true as const, value: this.drawResult(r) };
  }

  get(raffleId: string): RefOutcome<RefSummary> {
    const r = this.find(raffleId);
    return r === undefined ? refuse('raffle_not_found') : { ok: true, value: this.summary(r) };
  }

  /** Newest first, from the raffle created just before `beforeNumber` (0: the newest). */
  list(beforeNumber: number, limit: number) {
    if (beforeNumber > this.raffles.length) return refuse('invalid_cursor');
    const older = this.raffles
      .filter((r) => beforeNumber === 0 || r.number < beforeNumber)
      .reverse();
    const page = older.slice(0, limit);
    const last = page.at(-1);
    const more = older.length > limit;
    return {
      ok: true as const,
      value: {
        raffles: page.map((r) => this.summary(r)),
        nextBeforeNumber: more && last !== undefined ? last.number : undefined,
      },
    };
  }

  winners(raffleId: string) {
    const r = this.find(raffleId);
    if (r === undefined) return refuse('raffle_not_found');
    if (r.drawnAtMs === undefined) return refuse('not_drawn');
    return { ok: true as const, value: this.drawResult(r) };
  }

  verify(raffleId: string, ticketNumber: number, codeHash: string) {
    const r = this.find(raffleId);
    if (r === undefined) return refuse('raffle_not_found');
    if (r.drawnAtMs === undefined) return refuse('not_drawn');
    const claim = r.claims.find((c) => c.ticket === ticketNumber);
    if (claim === undefined || claim.codeHash !== codeHash) return refuse('verification_failed');
    const prize = r.winners.indexOf(ticketNumber);
    return {
      ok: true as const,
      value: {
        ticketNumber,
        won: prize >= 0,
        prize: prize >= 0 ? (r.prizes[prize] as string) : null,
      },
    };
  }

  /** The claims of a raffle, for tests that need a held ticket and its hash. */
  claimsOf(raffleId: string): readonly RefClaim[] {
    return this.find(raffleId)?.claims ?? [];
  }

  /** The kind's digest lines, computed from the naive state. */
  digestLines(): string[] {
    const lines: string[] = [];
    for (const r of this.raffles) {
      lines.push(
        JSON.stringify([
          r.id,
          r.name,
          r.ticketCount,
          r.prizes,
          r.createdAtMs,
          r.number,
          r.drawnAtMs ?? null,
          r.winners,
        ]),
      );
      for (const c of r.claims) lines.push(`c:${c.ticket}:${c.holder}:${c.codeHash}`);
      for (let p = r.claims.length; p < r.ticketCount; p += 1) {
        if (r.values[p] !== p) lines.push(`m:${p}:${r.values[p]}`);
      }
    }
    return lines;
  }
}
