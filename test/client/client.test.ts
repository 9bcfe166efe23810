/**
 * The typed client against the real service: every resource through `createRaffleClient`, the
 * reason codes of refused calls, request batching, and the published input and output types.
 */
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createRaffleClient,
  reasonOf,
  TRPCClientError,
  type AppRouter,
  type RaffleClient,
  type RaffleInputs,
  type RaffleOutputs,
  type Reason,
} from '../../client/src/index.js';
import { useClientServer } from '../support/client-server.js';

const running = useClientServer();

/** A fetch that records every HTTP request the client makes. */
function countingFetch(): {
  fetch: typeof globalThis.fetch;
  requests: { url: string; method: string; headers: Headers }[];
} {
  const requests: { url: string; method: string; headers: Headers }[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    requests.push({ url, method, headers: new Headers(init?.headers) });
    return globalThis.fetch(input, init);
  };
  return { fetch, requests };
}

/** The rejection of `promise`, which must be a TRPCClientError. */
async function refusalOf(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return error as TRPCClientError<AppRouter>;
}

describe('typed client against the real service', () => {
  it('creates a raffle, issues, transfers, draws and reads everything back', async () => {
    const created = await running.client.raffles.create.mutate({
      id: 'client-e2e',
      name: 'Client raffle',
    });
    expect(created).toMatchObject({
      id: 'client-e2e',
      name: 'Client raffle',
      totalTickets: 0,
      participantCount: 0,
      drawCount: 0,
    });
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);

    const generated = await running.client.raffles.create.mutate({ name: 'No id given' });
    expect(generated.id).toMatch(/^r-[a-z0-9-]{10}$/);

    const listed = await running.client.raffles.list.query();
    expect(listed.raffles.map((raffle) => raffle.id)).toEqual(
      expect.arrayContaining(['main', 'client-e2e', generated.id]),
    );

    const raffleId = 'client-e2e';
    expect(
      await running.client.tickets.issue.mutate({ raffleId, username: 'alice', count: 5 }),
    ).toEqual({
      username: 'alice',
      tickets: 5,
      totalTickets: 5,
    });
    expect(
      await running.client.tickets.issue.mutate({ raffleId, username: 'alice', count: 2 }),
    ).toEqual({
      username: 'alice',
      tickets: 7,
      totalTickets: 7,
    });
    await running.client.tickets.issue.mutate({ raffleId, username: 'bob', count: 1 });

    const moved = await running.client.transfers.create.mutate({
      raffleId,
      from: 'alice',
      to: 'carol',
      count: 3,
    });
    expect(moved).toEqual({
      from: { username: 'alice', tickets: 4 },
      to: { username: 'carol', tickets: 3 },
    });

    expect(await running.client.participants.get.query({ raffleId, username: 'carol' })).toEqual({
      username: 'carol',
      tickets: 3,
    });

    const before = await running.client.raffles.get.query({ raffleId });
    expect(before).toMatchObject({ totalTickets: 8, participantCount: 3, drawCount: 0 });

    const draw = await running.client.draws.create.mutate({ raffleId });
    expect(draw.drawId).toBe(1);
    expect(['alice', 'bob', 'carol']).toContain(draw.username);
    expect(draw.totalTicketsBefore).toBe(8);
    expect(draw.ticketIndex).toBeGreaterThanOrEqual(0);
    expect(draw.ticketIndex).toBeLessThan(8);
    expect(new Date(draw.at).toISOString()).toBe(draw.at);
    const heldBefore = { alice: 4, bob: 1, carol: 3 }[draw.username]!;
    expect(draw.ticketsLeft).toBe(heldBefore - 1);

    const history = await running.client.draws.list.query({ raffleId });
    expect(history).toEqual({ draws: [draw], nextCursor: null });

    const after = await running.client.raffles.get.query({ raffleId });
    expect(after).toMatchObject({
      id: raffleId,
      totalTickets: 7,
      participantCount: draw.ticketsLeft === 0 ? 2 : 3,
      drawCount: 1,
    });
  });

  it('pages through participants in admission order', async () => {
    const { id: raffleId } = await running.client.raffles.create.mutate({ name: 'Paging' });
    const names = ['p1', 'p2', 'p3', 'p4', 'p5'];
    for (const [index, username] of names.entries()) {
      await running.client.tickets.issue.mutate({ raffleId, username, count: index + 1 });
    }

    const seen: { username: string; tickets: number }[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await running.client.participants.list.query({ raffleId, limit: 2, cursor });
      pageSizes.push(page.participants.length);
      seen.push(...page.participants);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(names.map((username, index) => ({ username, tickets: index + 1 })));

    const all = await running.client.participants.list.query({ raffleId });
    expect(all.participants).toHaveLength(5);
    expect(all.nextCursor).toBeNull();
  });

  it('strips trailing slashes from the URL and sends the configured headers', async () => {
    const { fetch, requests } = countingFetch();
    const custom = createRaffleClient({
      url: `${running.server.url}//`,
      fetch,
      headers: () => ({ 'x-test-token': 'secret-1' }),
    });
    const raffle = await custom.raffles.get.query({ raffleId: 'main' });
    expect(raffle.id).toBe('main');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url.startsWith(`${running.server.url}/trpc/raffles.get`)).toBe(true);
    expect(requests[0]!.headers.get('x-test-token')).toBe('secret-1');
  });
});

describe('refusals carry reason codes', () => {
  it('reports insufficient_tickets with HTTP 409', async () => {
    const { id: raffleId } = await running.client.raffles.create.mutate({ name: 'Refusals' });
    await running.client.tickets.issue.mutate({ raffleId, username: 'dora', count: 2 });
    const error = await refusalOf(
      running.client.transfers.create.mutate({ raffleId, from: 'dora', to: 'eve', count: 3 }),
    );
    expect(reasonOf(error)).toBe('insufficient_tickets');
    expect(error.data?.httpStatus).toBe(409);
    expect(error.data?.code).toBe('CONFLICT');
    // Nothing moved.
    expect(await running.client.participants.get.query({ raffleId, username: 'dora' })).toEqual({
      username: 'dora',
      tickets: 2,
    });
  });

  it('reports raffle_not_found with HTTP 404', async () => {
    const error = await refusalOf(
      running.client.tickets.issue.mutate({
        raffleId: 'no-such-raffle',
        username: 'alice',
        count: 1,
      }),
    );
    expect(reasonOf(error)).toBe('raffle_not_found');
    expect(error.data?.httpStatus).toBe(404);

    const read = await refusalOf(running.client.raffles.get.query({ raffleId: 'no-such-raffle' }));
    expect(reasonOf(read)).toBe('raffle_not_found');
  });

  it('reports participant_not_found', async () => {
    const error = await refusalOf(
      running.client.participants.get.query({ raffleId: 'main', username: 'nobody-at-all' }),
    );
    expect(reasonOf(error)).toBe('participant_not_found');
    expect(error.data?.httpStatus).toBe(404);
  });

  it('reports invalid_input with HTTP 400 for a count of 0 and a mistyped count', async () => {
    // A count of 0 is a `number`, so the types accept it; the server's schema refuses it.
    const zero = await refusalOf(
      running.client.tickets.issue.mutate({ raffleId: 'main', username: 'alice', count: 0 }),
    );
    expect(reasonOf(zero)).toBe('invalid_input');
    expect(zero.data?.httpStatus).toBe(400);
    expect(Array.isArray(zero.shape?.issues)).toBe(true);
    expect(zero.shape?.reason).toBe('invalid_input');

    // A string count is a compile error, so it can only be sent by casting through `never`.
    const mistyped = await refusalOf(
      running.client.tickets.issue.mutate({
        raffleId: 'main',
        username: 'alice',
        count: '0',
      } as never),
    );
    expect(reasonOf(mistyped)).toBe('invalid_input');
    expect(mistyped.data?.httpStatus).toBe(400);
  });

  it('returns undefined for anything that is not a TRPCClientError', () => {
    expect(reasonOf(new Error('plain'))).toBeUndefined();
    expect(reasonOf('insufficient_tickets')).toBeUndefined();
    expect(reasonOf(undefined)).toBeUndefined();
  });
});

describe('request batching', () => {
  const raffleId = 'batching';
  const users = Array.from({ length: 10 }, (_, index) => `user-${index}`);

  beforeAll(async () => {
    await running.client.raffles.create.mutate({ id: raffleId, name: 'Batching' });
    for (const username of users) {
      await running.client.tickets.issue.mutate({ raffleId, username, count: 1 });
    }
  });

  it('sends calls made in the same tick in fewer requests', async () => {
    const { fetch, requests } = countingFetch();
    const batched = createRaffleClient({ url: running.server.url, fetch });
    const calls: Promise<{ username: string; tickets: number }>[] = [];
    for (const username of users) {
      calls.push(batched.participants.get.query({ raffleId, username }));
      calls.push(batched.tickets.issue.mutate({ raffleId, username: `new-${username}`, count: 2 }));
    }
    expect(calls).toHaveLength(20);
    const results = await Promise.all(calls);
    results.forEach((result, index) => {
      const username = users[Math.floor(index / 2)]!;
      expect(result).toMatchObject(
        index % 2 === 0 ? { username, tickets: 1 } : { username: `new-${username}`, tickets: 2 },
      );
    });
    expect(requests.length).toBeLessThan(20);
    // tRPC batches queries and mutations separately: one request each.
    expect(requests).toHaveLength(2);
    for (const request of requests) expect(request.url).toContain('batch=1');
  });

  it('sends one request per call with batch: false', async () => {
    const { fetch, requests } = countingFetch();
    const unbatched = createRaffleClient({ url: running.server.url, fetch, batch: false });
    const calls: Promise<{ username: string; tickets: number }>[] = [];
    for (const username of users) {
      calls.push(unbatched.participants.get.query({ raffleId, username }));
      calls.push(
        unbatched.tickets.issue.mutate({ raffleId, username: `solo-${username}`, count: 1 }),
      );
    }
    const results = await Promise.all(calls);
    expect(results).toHaveLength(20);
    expect(requests).toHaveLength(20);
    for (const request of requests) expect(request.url).not.toContain('batch=1');
  });

  it('splits a batch at maxBatchItems', async () => {
    const { fetch, requests } = countingFetch();
    const small = createRaffleClient({ url: running.server.url, fetch, maxBatchItems: 3 });
    const results = await Promise.all(
      users.map((username) => small.participants.get.query({ raffleId, username })),
    );
    expect(results.map((result) => result.username)).toEqual(users);
    expect(requests).toHaveLength(Math.ceil(users.length / 3));
  });

  it('settles each call of a batch on its own when some are refused', async () => {
    const batched = createRaffleClient({ url: running.server.url });
    const [found, missing] = await Promise.allSettled([
      batched.participants.get.query({ raffleId, username: 'user-0' }),
      batched.participants.get.query({ raffleId, username: 'nobody' }),
    ]);
    expect(found).toMatchObject({ status: 'fulfilled', value: { username: 'user-0' } });
    expect(missing.status).toBe('rejected');
    expect(reasonOf((missing as PromiseRejectedResult).reason)).toBe('participant_not_found');
  });
});

describe('published types', () => {
  it('infers inputs and outputs from the router', () => {
    expectTypeOf<RaffleInputs['tickets']['issue']>()
      .toHaveProperty('count')
      .toEqualTypeOf<number>();
    expectTypeOf<RaffleInputs['tickets']['issue']>().toEqualTypeOf<{
      raffleId: string;
      username: string;
      count: number;
      requestId?: string | undefined;
    }>();
    expectTypeOf<RaffleInputs['participants']['list']>()
      .toHaveProperty('cursor')
      .toEqualTypeOf<string | undefined>();
    expectTypeOf<RaffleOutputs['draws']['create']>()
      .toHaveProperty('username')
      .toEqualTypeOf<string>();
    expectTypeOf<RaffleOutputs['draws']['create']>()
      .toHaveProperty('drawId')
      .toEqualTypeOf<number>();
    expectTypeOf<RaffleOutputs['participants']['list']>()
      .toHaveProperty('nextCursor')
      .toEqualTypeOf<string | null>();
    expectTypeOf<RaffleOutputs['transfers']['create']['from']>().toEqualTypeOf<{
      username: string;
      tickets: number;
    }>();
    expectTypeOf<RaffleOutputs['tickets']['issue']>().not.toBeAny();
    expectTypeOf(reasonOf).returns.toEqualTypeOf<Reason | undefined>();
    expectTypeOf<'insufficient_tickets'>().toExtend<Reason>();
    expectTypeOf<'no_such_reason'>().not.toExtend<Reason>();
    expectTypeOf<RaffleClient['tickets']['issue']['mutate']>()
      .parameter(0)
      .toEqualTypeOf<RaffleInputs['tickets']['issue']>();
  });
});
