/**
 * Prize raffles through the typed client: every procedure against the real service (the test
 * client on loopback is an operator; player addresses come through `X-Forwarded-For`), refusals
 * with their reasons, a retried claim with a `requestId`, and the published types of the new
 * procedures.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createRaffleClient,
  type RaffleClient,
  type RaffleInputs,
  type RaffleOutputs,
  type Reason,
} from '../../client/src/index.js';
import { reasonOfCall, useClientServer } from '../support/client-server.js';

const running = useClientServer();

/** A client whose calls come from `address`, as a proxy on loopback would say. */
function player(address: string): RaffleClient {
  return createRaffleClient({ url: running.server.url, headers: { 'x-forwarded-for': address } });
}

describe('prize raffles through the typed client', () => {
  it('create, claim, draw, winners, verify, fetch and list', async () => {
    const created = await running.client.prizeRaffles.create.mutate({
      id: 'client-prizes',
      name: 'Client prizes',
      ticketCount: 3,
      prizes: [{ name: 'Kite' }, { name: 'Kite' }],
    });
    expect(created).toMatchObject({ id: 'client-prizes', status: 'open', ticketsRemaining: 3 });

    const claims = await Promise.all(
      ['192.0.2.11', '192.0.2.12', '192.0.2.13'].map((address) =>
        player(address).prizeRaffles.claim.mutate({ id: 'client-prizes' }),
      ),
    );
    expect(claims.map((c) => c.ticketNumber).sort()).toEqual([1, 2, 3]);
    expect(
      await reasonOfCall(player('192.0.2.14').prizeRaffles.claim.mutate({ id: 'client-prizes' })),
    ).toBe('sold_out');
    expect(
      await reasonOfCall(player('192.0.2.11').prizeRaffles.claim.mutate({ id: 'client-prizes' })),
    ).toBe('already_participated');
    expect(
      await reasonOfCall(player('192.0.2.11').prizeRaffles.draw.mutate({ id: 'client-prizes' })),
    ).toBe('manager_only');
    expect(
      await reasonOfCall(running.client.prizeRaffles.winners.query({ id: 'client-prizes' })),
    ).toBe('not_drawn');

    const drawn = await running.client.prizeRaffles.draw.mutate({ id: 'client-prizes' });
    expect(drawn.winners).toHaveLength(2);
    expect(await running.client.prizeRaffles.winners.query({ id: 'client-prizes' })).toEqual(drawn);

    const winning = new Set(drawn.winners.map((w) => w.ticketNumber));
    for (const claim of claims) {
      const result = await running.client.prizeRaffles.verify.mutate({
        id: claim.raffleId,
        ...claim,
      });
      expect(result.won).toBe(winning.has(claim.ticketNumber));
      expect(result.prize).toEqual(result.won ? { name: 'Kite' } : null);
    }
    const first = claims[0] as (typeof claims)[0];
    expect(
      await reasonOfCall(
        running.client.prizeRaffles.verify.mutate({
          id: 'client-prizes',
          ticketNumber: first.ticketNumber,
          verificationCode: 'wrong',
        }),
      ),
    ).toBe('verification_failed');

    const fetched = await running.client.prizeRaffles.get.query({ id: 'client-prizes' });
    expect(fetched).toMatchObject({ status: 'drawn', ticketsClaimed: 3 });
    expect(fetched.drawnAt).toBe(drawn.drawnAt);
    const page = await running.client.prizeRaffles.list.query({ limit: 10 });
    expect(page.raffles.map((r) => r.id)).toContain('client-prizes');
  });

  it('a claim retried with the same requestId gets the same ticket and code', async () => {
    await running.client.prizeRaffles.create.mutate({
      id: 'client-retry',
      name: 'Retry',
      ticketCount: 9,
      prizes: [{ name: 'x' }],
    });
    const me = player('192.0.2.40');
    const requestId = '6f1d2c7e-retry';
    const first = await me.prizeRaffles.claim.mutate({ id: 'client-retry', requestId });
    const second = await me.prizeRaffles.claim.mutate({ id: 'client-retry', requestId });
    expect(second).toEqual(first);
    expect(
      (await running.client.prizeRaffles.get.query({ id: 'client-retry' })).ticketsClaimed,
    ).toBe(1);
  });

  it('publishes the types of the prize procedures', () => {
    expectTypeOf<RaffleInputs['prizeRaffles']['create']>().toEqualTypeOf<{
      id?: string | undefined;
      name: string;
      ticketCount: number;
      prizes: { name: string }[];
      requestId?: string | undefined;
    }>();
    expectTypeOf<RaffleOutputs['prizeRaffles']['claim']>().toEqualTypeOf<{
      raffleId: string;
      ticketNumber: number;
      verificationCode: string;
    }>();
    expectTypeOf<RaffleOutputs['prizeRaffles']['get']['status']>().toEqualTypeOf<
      'open' | 'sold_out' | 'drawn'
    >();
    expectTypeOf<RaffleOutputs['prizeRaffles']['verify']['prize']>().toEqualTypeOf<{
      name: string;
    } | null>();
    expectTypeOf<RaffleInputs['prizeRaffles']['verify']>()
      .toHaveProperty('raffleId')
      .toEqualTypeOf<string | undefined>();
    expectTypeOf<'verification_failed'>().toExtend<Reason>();
    expectTypeOf<'already_participated'>().toExtend<Reason>();
  });
});
