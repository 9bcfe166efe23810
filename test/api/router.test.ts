import { TRPCError } from '@trpc/server';
import { asListed } from '../support/randomness.js';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { ReasonedCause } from '../../src/api/errors.js';
import { createAppRouter } from '../../src/api/routers/_app.js';
import { createCallerFactory } from '../../src/api/trpc.js';
import type { Engine } from '../../src/engine/engine.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import type { inferRouterOutputs } from '@trpc/server';

let engine: Engine;
const router = createAppRouter({ countMax: 100 });
const caller = () =>
  createCallerFactory(router)({ engine, transport: 'internal', exposeInternalErrors: false });

async function reasonOfCall(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    const cause = (error as TRPCError).cause;
    if (cause instanceof ReasonedCause) return cause.reason;
    return (error as TRPCError).code;
  }
}

beforeAll(async () => {
  engine = await startRaffleEngine({
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main raffle',
    rafflesMax: 10,
    participantsPerRaffleMax: 100,
    queueLengthMax: 1_000,
    batchSizeMax: 100,
  });
});
afterAll(() => engine.close());

describe('router through createCaller', () => {
  it('issue: answers the new balance and total', async () => {
    const result = await caller().tickets.issue({ raffleId: 'main', username: 'alice', count: 5 });
    expect(result).toEqual({ username: 'alice', tickets: 5, totalTickets: 5 });
  });

  it('issue: usernames are NFC-normalised, so both spellings are one participant', async () => {
    await caller().tickets.issue({ raffleId: 'main', username: 'zo\u00eb', count: 1 });
    const second = await caller().tickets.issue({
      raffleId: 'main',
      username: 'zoe\u0308',
      count: 1,
    });
    expect(second.username).toBe('zo\u00eb');
    expect(second.tickets).toBe(2);
  });

  it('issue: the configured countMax bounds the count', async () => {
    expect(
      await reasonOfCall(caller().tickets.issue({ raffleId: 'main', username: 'a', count: 101 })),
    ).toBe('BAD_REQUEST');
    expect(
      await reasonOfCall(caller().tickets.issue({ raffleId: 'main', username: 'a', count: 100 })),
    ).toBe('ok');
  });

  it('transfer: refusals carry their reason code', async () => {
    const c = caller();
    await c.tickets.issue({ raffleId: 'main', username: 'bob', count: 2 });
    // Each line: raffle, donor, recipient, count, expected reason. The last line shows the raffle
    // is checked before the ledger's own rules.
    const cases: [string, string, string, number, string][] = [
      ['main', 'bob', 'bob', 1, 'transfer_to_self'],
      ['main', 'bob', 'cy', 3, 'insufficient_tickets'],
      ['main', 'nobody', 'cy', 1, 'participant_not_found'],
      ['nope', 'bob', 'cy', 1, 'raffle_not_found'],
      ['nope', 'bob', 'bob', 1, 'raffle_not_found'],
    ];
    for (const [raffleId, from, to, count, reason] of cases) {
      const call = c.transfers.create({ raffleId, from, to, count });
      expect(await reasonOfCall(call), `${raffleId} ${from}->${to} ${count}`).toBe(reason);
    }
  });

  it('draw: answers an ISO time and the draw appears in the history', async () => {
    const c = caller();
    await c.raffles.create({ id: 'solo', name: 'Solo' });
    await c.tickets.issue({ raffleId: 'solo', username: 'only', count: 1 });
    const draw = await c.draws.create({ raffleId: 'solo' });
    expect(draw).toMatchObject({
      drawId: 1,
      username: 'only',
      ticketsLeft: 0,
      totalTicketsBefore: 1,
      ticketIndex: 0,
    });
    expect(new Date(draw.at).toISOString()).toBe(draw.at);
    const history = await c.draws.list({ raffleId: 'solo', limit: 10 });
    expect(draw.randomness).toMatchObject({ seq: expect.any(Number), link: expect.any(String) });
    expect(history).toEqual({ draws: [asListed(draw)], nextCursor: null });
    expect(await reasonOfCall(c.draws.create({ raffleId: 'solo' }))).toBe('raffle_empty');
  });

  it('participants: an unknown cursor is invalid_cursor', async () => {
    expect(
      await reasonOfCall(
        caller().participants.list({ raffleId: 'main', limit: 10, cursor: 'abc' }),
      ),
    ).toBe('invalid_cursor');
    expect(
      await reasonOfCall(caller().draws.list({ raffleId: 'main', limit: 10, cursor: '-1' })),
    ).toBe('invalid_cursor');
  });

  it('raffles: list and get reflect what happened', async () => {
    const c = caller();
    const { raffles } = await c.raffles.list();
    expect(raffles.map((r) => r.id)).toContain('main');
    const main = await c.raffles.get({ raffleId: 'main' });
    const listing = await c.participants.list({ raffleId: 'main', limit: 1000 });
    expect(main.totalTickets).toBe(listing.participants.reduce((sum, p) => sum + p.tickets, 0));
    expect(main.participantCount).toBeGreaterThanOrEqual(3);
    expect(await reasonOfCall(c.raffles.create({ id: 'main', name: 'Again' }))).toBe(
      'raffle_id_taken',
    );
  });

  it('types: outputs are inferred from the zod schemas', () => {
    type Outputs = inferRouterOutputs<typeof router>;
    expectTypeOf<Outputs['draws']['create']['username']>().toEqualTypeOf<string>();
    expectTypeOf<Outputs['participants']['list']['nextCursor']>().toEqualTypeOf<string | null>();
  });
});
