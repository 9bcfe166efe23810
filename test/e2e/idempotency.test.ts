/**
 * Idempotency keys end to end: the REST `Idempotency-Key` header and the tRPC `requestId` input
 * on every mutation. A retry gets the first answer (success or refusal) without being applied
 * again, also after a restart; the same key with another request is refused with 422; bad keys
 * are 400; retention is bounded by count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRaffleClient, reasonOf } from '../../client/src/index.js';
import type { RunningServer } from '../../src/server/server.js';
import { freshRaffle } from '../support/assertions.js';
import { request, startTestServer } from '../support/server.js';

let running: RunningServer;

beforeAll(async () => {
  running = await startTestServer();
});

afterAll(async () => {
  await running.close();
});

function post(path: string, body: unknown, key?: string, base = running.url) {
  return request(
    base,
    'POST',
    `/api${path}`,
    body,
    key === undefined ? {} : { 'Idempotency-Key': key },
  );
}

async function figures(raffleId: string, base = running.url) {
  const reply = await request(base, 'GET', `/api/raffles/${raffleId}`);
  return reply.body as { totalTickets: number; participantCount: number; drawCount: number };
}

type Client = ReturnType<typeof createRaffleClient>;

/**
 * Every mutation that takes an idempotency key, with a request, another request of the same
 * operation, and the same two as tRPC calls. Each runs on a fresh raffle where ann holds 10.
 */
interface KeyedMutation {
  procedure: string;
  status: number;
  rest: (raffle: string) => { path: string; body: Record<string, unknown> };
  otherRest: (raffle: string) => { path: string; body: Record<string, unknown> };
  trpc: (client: Client, raffle: string, requestId: string, other: boolean) => Promise<unknown>;
}

const keyedMutations: KeyedMutation[] = [
  {
    procedure: 'raffles.create',
    status: 201,
    rest: (raffle) => ({ path: '/raffles', body: { id: `${raffle}-made`, name: 'Made' } }),
    otherRest: (raffle) => ({ path: '/raffles', body: { id: `${raffle}-else`, name: 'Else' } }),
    trpc: (client, raffle, requestId, other) =>
      client.raffles.create.mutate({ id: `${raffle}-${other ? 'b' : 'a'}`, name: 'T', requestId }),
  },
  {
    procedure: 'tickets.issue',
    status: 200,
    rest: (raffle) => ({ path: `/raffles/${raffle}/tickets`, body: { username: 'bo', count: 2 } }),
    otherRest: (raffle) => ({
      path: `/raffles/${raffle}/tickets`,
      body: { username: 'bo', count: 3 },
    }),
    trpc: (client, raffleId, requestId, other) =>
      client.tickets.issue.mutate({ raffleId, username: 'bo', count: other ? 3 : 2, requestId }),
  },
  {
    procedure: 'transfers.create',
    status: 200,
    rest: (raffle) => ({
      path: `/raffles/${raffle}/transfers`,
      body: { from: 'ann', to: 'bo', count: 2 },
    }),
    otherRest: (raffle) => ({
      path: `/raffles/${raffle}/transfers`,
      body: { from: 'ann', to: 'cy', count: 2 },
    }),
    trpc: (client, raffleId, requestId, other) =>
      client.transfers.create.mutate({
        raffleId,
        from: 'ann',
        to: other ? 'cy' : 'bo',
        count: 2,
        requestId,
      }),
  },
  {
    procedure: 'tickets.issueBulk',
    status: 200,
    rest: (raffle) => ({
      path: `/raffles/${raffle}/tickets/bulk`,
      body: {
        items: [
          { username: 'bo', count: 1 },
          { username: 'cy', count: 2 },
        ],
      },
    }),
    otherRest: (raffle) => ({
      path: `/raffles/${raffle}/tickets/bulk`,
      body: { items: [{ username: 'bo', count: 1 }] },
    }),
    trpc: (client, raffleId, requestId, other) =>
      client.tickets.issueBulk.mutate({
        raffleId,
        items: other ? [{ username: 'bo', count: 1 }] : [{ username: 'cy', count: 2 }],
        requestId,
      }),
  },
  {
    procedure: 'transfers.createBulk',
    status: 200,
    rest: (raffle) => ({
      path: `/raffles/${raffle}/transfers/bulk`,
      body: {
        items: [
          { from: 'ann', to: 'bo', count: 1 },
          { from: 'ann', to: 'cy', count: 2 },
        ],
      },
    }),
    otherRest: (raffle) => ({
      path: `/raffles/${raffle}/transfers/bulk`,
      body: { items: [{ from: 'ann', to: 'bo', count: 1 }] },
    }),
    trpc: (client, raffleId, requestId, other) =>
      client.transfers.createBulk.mutate({
        raffleId,
        items: [{ from: 'ann', to: other ? 'cy' : 'bo', count: 1 }],
        requestId,
      }),
  },
  {
    procedure: 'draws.create',
    status: 201,
    rest: (raffle) => ({ path: `/raffles/${raffle}/draws`, body: {} }),
    // The same key for a draw in another raffle is another request.
    otherRest: () => ({ path: '/raffles/main/draws', body: {} }),
    trpc: (client, raffleId, requestId, other) =>
      client.draws.create.mutate({ raffleId: other ? 'main' : raffleId, requestId }),
  },
];

/** Everything a mutation can change that the API shows: every raffle's figures. */
async function everyRaffle(): Promise<unknown> {
  const reply = await request(running.url, 'GET', '/api/raffles');
  expect(reply.status).toBe(200);
  return reply.body;
}

async function keyedRaffle(): Promise<string> {
  const raffle = await freshRaffle(running.url, 'keyed');
  expect((await post(`/raffles/${raffle}/tickets`, { username: 'ann', count: 10 })).status).toBe(
    200,
  );
  // The draw's other request draws from main, which must hold a ticket.
  expect((await post('/raffles/main/tickets', { username: 'ann', count: 1 })).status).toBe(200);
  return raffle;
}

describe.each(keyedMutations)('every keyed mutation: $procedure', (mutation) => {
  for (const via of ['header', 'requestId'] as const) {
    it(`${mutation.procedure} (REST, key as ${via}): a retry answers the first answer, applied once; another request with the key is 422`, async () => {
      const raffle = await keyedRaffle();
      const key = `k-${via}-${mutation.procedure}`;
      const send = ({ path, body }: { path: string; body: Record<string, unknown> }) =>
        via === 'header' ? post(path, body, key) : post(path, { ...body, requestId: key });
      const before = await everyRaffle();
      const first = await send(mutation.rest(raffle));
      expect(first.status, JSON.stringify(first.body)).toBe(mutation.status);
      const applied = await everyRaffle();
      expect(applied).not.toEqual(before);

      const again = await send(mutation.rest(raffle));
      expect({ status: again.status, body: again.body }).toEqual({
        status: first.status,
        body: first.body,
      });
      expect(await everyRaffle()).toEqual(applied);

      const other = await send(mutation.otherRest(raffle));
      expect([other.status, other.body.reason]).toEqual([422, 'idempotency_key_reused']);
      expect(await everyRaffle()).toEqual(applied);
    });
  }

  it(`${mutation.procedure} (tRPC requestId): a retry answers the first answer, applied once; another request with the key is refused`, async () => {
    const client = createRaffleClient({ url: running.url });
    const raffle = await keyedRaffle();
    const key = `k-trpc-${mutation.procedure}`;
    const before = await everyRaffle();
    const first = await mutation.trpc(client, raffle, key, false);
    const applied = await everyRaffle();
    expect(applied).not.toEqual(before);
    expect(await mutation.trpc(client, raffle, key, false)).toEqual(first);
    expect(await everyRaffle()).toEqual(applied);
    const reused = await mutation.trpc(client, raffle, key, true).then(() => 'applied', reasonOf);
    expect(reused).toBe('idempotency_key_reused');
    expect(await everyRaffle()).toEqual(applied);
  });
});

describe('Idempotency-Key on REST', () => {
  it('a retried issue answers the first result and adds the tickets once', async () => {
    const raffle = await freshRaffle(running.url, 'idem');
    const first = await post(
      `/raffles/${raffle}/tickets`,
      { username: 'ann', count: 5 },
      'k-issue',
    );
    const again = await post(
      `/raffles/${raffle}/tickets`,
      { username: 'ann', count: 5 },
      'k-issue',
    );
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await figures(raffle)).totalTickets).toBe(5);
    // Without a key the same request is a new operation.
    await post(`/raffles/${raffle}/tickets`, { username: 'ann', count: 5 });
    expect((await figures(raffle)).totalTickets).toBe(10);
  });

  it('the same key with another request is refused with 422 and changes nothing', async () => {
    const raffle = await freshRaffle(running.url, 'idem');
    await post(`/raffles/${raffle}/tickets`, { username: 'ann', count: 5 }, 'k-reuse');
    for (const body of [
      { username: 'ann', count: 6 },
      { username: 'bob', count: 5 },
    ]) {
      const reply = await post(`/raffles/${raffle}/tickets`, body, 'k-reuse');
      expect(reply.status).toBe(422);
      expect(reply.body.reason).toBe('idempotency_key_reused');
    }
    const other = await post(
      `/raffles/${raffle}/transfers`,
      { from: 'ann', to: 'bob', count: 1 },
      'k-reuse',
    );
    expect(other.status).toBe(422);
    expect(await figures(raffle)).toMatchObject({ totalTickets: 5, participantCount: 1 });
  });

  it('a refusal is the first answer too: the retry is refused even once it could succeed', async () => {
    const raffle = await freshRaffle(running.url, 'idem');
    await post(`/raffles/${raffle}/tickets`, { username: 'ann', count: 1 });
    const transfer = { from: 'ann', to: 'bob', count: 3 };
    const first = await post(`/raffles/${raffle}/transfers`, transfer, 'k-refused');
    expect(first.status).toBe(409);
    expect(first.body.reason).toBe('insufficient_tickets');
    await post(`/raffles/${raffle}/tickets`, { username: 'ann', count: 10 });
    const again = await post(`/raffles/${raffle}/transfers`, transfer, 'k-refused');
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('insufficient_tickets');
    const ann = await request(running.url, 'GET', `/api/raffles/${raffle}/participants/ann`);
    expect(ann.body.tickets).toBe(11);
  });

  it('a retried draw answers the same winner and removes one ticket', async () => {
    const raffle = await freshRaffle(running.url, 'idem');
    await post(`/raffles/${raffle}/tickets`, { username: 'ann', count: 3 });
    await post(`/raffles/${raffle}/tickets`, { username: 'bob', count: 3 });
    const first = await post(`/raffles/${raffle}/draws`, {}, 'k-draw');
    const again = await post(`/raffles/${raffle}/draws`, {}, 'k-draw');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await figures(raffle)).toMatchObject({ totalTickets: 5, drawCount: 1 });
  });

  it('a retried raffle creation answers the raffle instead of raffle_id_taken', async () => {
    const first = await post('/raffles', { id: 'idem-created', name: 'Once' }, 'k-create');
    const again = await post('/raffles', { id: 'idem-created', name: 'Once' }, 'k-create');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    // A generated id is generated once: the retry names the same raffle.
    const generated = await post('/raffles', { name: 'Generated' }, 'k-generated');
    const generatedAgain = await post('/raffles', { name: 'Generated' }, 'k-generated');
    expect(generatedAgain.body.id).toBe(generated.body.id);
  });

  it('fifty concurrent retries are applied once and all get the same answer', async () => {
    const raffle = await freshRaffle(running.url, 'idem');
    const replies = await Promise.all(
      Array.from({ length: 50 }, () =>
        post(`/raffles/${raffle}/tickets`, { username: 'ann', count: 7 }, 'k-concurrent'),
      ),
    );
    expect(new Set(replies.map((reply) => JSON.stringify([reply.status, reply.body]))).size).toBe(
      1,
    );
    expect((await figures(raffle)).totalTickets).toBe(7);
  });

  it('bad keys are 400 invalid_input and change nothing', async () => {
    const raffle = await freshRaffle(running.url, 'idem');
    const body = { username: 'ann', count: 1 };
    for (const key of ['has space', 'x'.repeat(201), 'naïve']) {
      const reply = await request(running.url, 'POST', `/api/raffles/${raffle}/tickets`, body, {
        'Idempotency-Key': key,
      });
      expect({ key, status: reply.status, reason: reply.body.reason }).toEqual({
        key,
        status: 400,
        reason: 'invalid_input',
      });
    }
    const both = await post(`/raffles/${raffle}/tickets`, { ...body, requestId: 'a' }, 'b');
    expect([both.status, both.body.reason]).toEqual([400, 'invalid_input']);
    const field = await post(`/raffles/${raffle}/tickets`, { ...body, requestId: 'bad key' });
    expect([field.status, field.body.reason]).toEqual([400, 'invalid_input']);
    expect((await figures(raffle)).totalTickets).toBe(0);
    // The header and the field may both be given when they agree.
    const agreeing = await post(
      `/raffles/${raffle}/tickets`,
      { ...body, requestId: 'same' },
      'same',
    );
    expect(agreeing.status).toBe(200);
  });

  it('the OpenAPI document declares the header on every mutation, and only there', async () => {
    const document = (await request(running.url, 'GET', '/openapi.json')).body;
    const keyed: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, any>)) {
      for (const [method, operation] of Object.entries(item as Record<string, any>)) {
        const names = (operation.parameters ?? []).map(
          (parameter: { name: string }) => parameter.name,
        );
        if (!names.includes('Idempotency-Key')) continue;
        keyed.push(operation.operationId.replace('-', '.'));
        expect(method, path).toBe('post');
        expect(operation.responses['422'].description, path).toContain('idempotency_key_reused');
      }
    }
    // The ledger's six keyed mutations, tried above one by one, and the prize raffles' (their own
    // idempotency tests are in test/e2e/prize-raffles.test.ts).
    const prizeMutations = ['prizeRaffles.claim', 'prizeRaffles.create', 'prizeRaffles.draw'];
    // The campaigns' keyed mutations (their retries are tried in test/e2e/campaigns.test.ts).
    const campaignMutations = ['campaigns.create', 'campaigns.draw', 'campaigns.redeem'];
    expect(keyed.sort()).toEqual(
      [
        ...keyedMutations.map((mutation) => mutation.procedure),
        ...prizeMutations,
        ...campaignMutations,
      ].sort(),
    );
  });
});

describe('requestId on tRPC', () => {
  it('retries with the same requestId are applied once, and the key is shared with REST', async () => {
    const client = createRaffleClient({ url: running.url });
    const raffle = await freshRaffle(running.url, 'idem');
    const input = { raffleId: raffle, username: 'cy', count: 4, requestId: 'k-trpc' };
    const first = await client.tickets.issue.mutate(input);
    const again = await client.tickets.issue.mutate(input);
    expect(again).toEqual(first);
    const viaRest = await post(
      `/raffles/${raffle}/tickets`,
      { username: 'cy', count: 4 },
      'k-trpc',
    );
    expect(viaRest.body).toEqual(first);
    expect((await figures(raffle)).totalTickets).toBe(4);
    const reused = await client.tickets.issue
      .mutate({ ...input, count: 5 })
      .then(() => 'applied', reasonOf);
    expect(reused).toBe('idempotency_key_reused');
  });
});

describe('retention', () => {
  it('past IDEMPOTENCY_KEYS_MAX the oldest key is forgotten and a retry applies again', async () => {
    const small = await startTestServer({ idempotencyKeysMax: 2 });
    try {
      const raffle = await freshRaffle(small.url, 'idem');
      const issue = (key: string) =>
        post(`/raffles/${raffle}/tickets`, { username: 'ann', count: 1 }, key, small.url);
      await issue('first');
      await issue('second');
      await issue('first'); // still remembered: not applied
      expect((await figures(raffle, small.url)).totalTickets).toBe(2);
      await issue('third'); // pushes 'first' out
      await issue('first'); // forgotten: applied as new
      expect((await figures(raffle, small.url)).totalTickets).toBe(4);
    } finally {
      await small.close();
    }
  });
});

describe('across a restart', () => {
  it('a retry after a restart gets the first answer without applying again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raffle-idem-'));
    try {
      const first = await startTestServer({ durability: 'fsync', dataDir });
      const raffle = await freshRaffle(first.url, 'idem');
      const body = { username: 'dee', count: 9 };
      const before = await post(`/raffles/${raffle}/tickets`, body, 'k-restart', first.url);
      const draw = await post(`/raffles/${raffle}/draws`, {}, 'k-restart-draw', first.url);
      await first.close();

      const second = await startTestServer({ durability: 'fsync', dataDir });
      try {
        const after = await post(`/raffles/${raffle}/tickets`, body, 'k-restart', second.url);
        expect(after.status).toBe(200);
        expect(after.body).toEqual(before.body);
        const drawAgain = await post(`/raffles/${raffle}/draws`, {}, 'k-restart-draw', second.url);
        expect(drawAgain.body).toEqual(draw.body);
        expect(await figures(raffle, second.url)).toMatchObject({ totalTickets: 8, drawCount: 1 });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
