/**
 * Prize raffles end to end over HTTP: every operation of the REST table with its refusals, claims
 * from many concurrent clients (distinct addresses through `X-Forwarded-For`, which the default
 * `TRUST_PROXY=loopback` honours from this loopback client), concurrent draws, operators from a
 * non-allowlisted address, and idempotent retries that show the same ticket and code.
 */
import { asListed } from '../support/randomness.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reasonCatalogue } from '../../src/domain/reasons.js';
import type { RunningServer } from '../../src/server/server.js';
import { request, startTestServer } from '../support/server.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

type Reply = Awaited<ReturnType<typeof request>>;

const outsider = { 'x-forwarded-for': '203.0.113.9' };
const addressOf = (i: number) => `198.51.${Math.floor(i / 250)}.${(i % 250) + 1}`;

function create(body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(server.url, 'POST', '/api/prize-raffles', body, headers);
}

function claim(id: string, address: string, headers: Record<string, string> = {}): Promise<Reply> {
  return request(server.url, 'POST', `/api/prize-raffles/${id}/entries`, undefined, {
    'x-forwarded-for': address,
    ...headers,
  });
}

function verify(id: string, body: unknown): Promise<Reply> {
  return request(server.url, 'POST', `/api/prize-raffles/${id}/verifications`, body);
}

/** Creates a raffle and claims every ticket from distinct addresses; returns the claims. */
async function soldOut(id: string, ticketCount: number, prizes: string[]) {
  expect(
    (await create({ id, name: id, ticketCount, prizes: prizes.map((name) => ({ name })) })).status,
  ).toBe(201);
  const replies = await Promise.all(
    Array.from({ length: ticketCount }, (_, i) => claim(id, addressOf(i))),
  );
  for (const reply of replies) expect(reply.status).toBe(201);
  return replies.map(
    (reply) => reply.body as { raffleId: string; ticketNumber: number; verificationCode: string },
  );
}

describe('prize raffles: create, fetch, list', () => {
  it('create: 201 with the raffle; fetch answers the same shape; the id is taken afterwards', async () => {
    const created = await create({
      id: 'spring',
      name: 'Spring prizes',
      ticketCount: 10,
      prizes: [{ name: 'Bike' }, { name: 'Bike' }, { name: 'Mug' }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: 'spring',
      name: 'Spring prizes',
      ticketCount: 10,
      ticketsClaimed: 0,
      ticketsRemaining: 10,
      status: 'open',
      prizes: [{ name: 'Bike' }, { name: 'Bike' }, { name: 'Mug' }],
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const fetched = await request(server.url, 'GET', '/api/prize-raffles/spring');
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
    const again = await create({
      id: 'spring',
      name: 'Again',
      ticketCount: 1,
      prizes: [{ name: 'x' }],
    });
    expect([again.status, again.body.reason]).toEqual([409, 'raffle_id_taken']);
    const missing = await request(server.url, 'GET', '/api/prize-raffles/nowhere');
    expect([missing.status, missing.body.reason]).toEqual([404, 'raffle_not_found']);
  });

  it('create: without an id the service picks one; ten million tickets are accepted', async () => {
    const created = await create({
      name: 'Huge',
      ticketCount: 10_000_000,
      prizes: [{ name: 'Car' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^p-[a-z0-9]{10}$/);
    const claims = await Promise.all([1, 2, 3].map((i) => claim(created.body.id, `192.0.2.${i}`)));
    const numbers = claims.map((reply) => reply.body.ticketNumber as number);
    for (const n of numbers) expect(n >= 1 && n <= 10_000_000).toBe(true);
    expect(new Set(numbers).size).toBe(3);
    const fetched = await request(server.url, 'GET', `/api/prize-raffles/${created.body.id}`);
    expect(fetched.body).toMatchObject({
      ticketsClaimed: 3,
      ticketsRemaining: 9_999_997,
      status: 'open',
    });
  });

  it('create: every kind of bad input is a 400 with a reason', async () => {
    const good = { name: 'Bad', ticketCount: 3, prizes: [{ name: 'A' }] };
    const cases: [unknown, string][] = [
      [{ ...good, name: undefined }, 'invalid_input'],
      [{ ...good, name: '' }, 'invalid_input'],
      [{ ...good, name: ' padded' }, 'invalid_input'],
      [{ ...good, id: 'Not A Slug' }, 'invalid_input'],
      [{ ...good, ticketCount: 0 }, 'invalid_input'],
      [{ ...good, ticketCount: 10_000_001 }, 'invalid_input'],
      [{ ...good, ticketCount: 2.5 }, 'invalid_input'],
      [{ ...good, ticketCount: '3' }, 'invalid_input'],
      [{ ...good, ticketCount: undefined }, 'invalid_input'],
      [{ ...good, prizes: [] }, 'invalid_input'],
      [{ ...good, prizes: 'A' }, 'invalid_input'],
      [{ ...good, prizes: [{ name: '' }] }, 'invalid_input'],
      [{ ...good, prizes: [{ name: 'a\u0007b' }] }, 'invalid_input'],
      [{ ...good, prizes: [{}] }, 'invalid_input'],
      [
        { ...good, prizes: [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }] },
        'too_many_prizes',
      ],
      [null, 'invalid_input'],
      ['{"name": "x",', 'malformed_json'],
    ];
    for (const [body, reason] of cases) {
      const reply = await create(body);
      expect([reply.status, reply.body.reason], JSON.stringify(body)).toEqual([400, reason]);
      if (reason === 'invalid_input')
        expect(reply.body.issues?.length, JSON.stringify(body)).toBeGreaterThan(0);
    }
  });

  it('list: newest first, paged with a cursor; a cursor never issued is a 400', async () => {
    for (const id of ['page-1', 'page-2', 'page-3']) {
      expect((await create({ id, name: id, ticketCount: 2, prizes: [{ name: 'x' }] })).status).toBe(
        201,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const page = await request(server.url, 'GET', `/api/prize-raffles${query}`);
      expect(page.status).toBe(200);
      expect(page.body.raffles.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.raffles.map((raffle: { id: string }) => raffle.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    const pageIds = seen.filter((id) => id.startsWith('page-'));
    expect(pageIds).toEqual(['page-3', 'page-2', 'page-1']);
    expect(new Set(seen).size).toBe(seen.length);
    for (const bad of ['abc', '0', '-1', '999999', '1.5']) {
      const reply = await request(server.url, 'GET', `/api/prize-raffles?cursor=${bad}`);
      expect([reply.status, reply.body.reason], bad).toEqual([400, 'invalid_cursor']);
    }
    for (const bad of ['0', '1001', 'x']) {
      const reply = await request(server.url, 'GET', `/api/prize-raffles?limit=${bad}`);
      expect([reply.status, reply.body.reason], bad).toEqual([400, 'invalid_input']);
    }
  });
});

describe('prize raffles: operators', () => {
  it('create and draw from an address outside MANAGER_IPS are 403 manager_only; claims are for anyone', async () => {
    const refusedCreate = await create(
      { name: 'x', ticketCount: 1, prizes: [{ name: 'x' }] },
      outsider,
    );
    expect([refusedCreate.status, refusedCreate.body.reason]).toEqual([403, 'manager_only']);
    expect(refusedCreate.body.message).toBe(reasonCatalogue.manager_only);
    // Refused before validation: bad input from an outsider is still a 403.
    expect((await create({ nonsense: true }, outsider)).status).toBe(403);
    await soldOut('ops', 1, ['x']);
    const refusedDraw = await request(
      server.url,
      'POST',
      '/api/prize-raffles/ops/draws',
      undefined,
      outsider,
    );
    expect([refusedDraw.status, refusedDraw.body.reason]).toEqual([403, 'manager_only']);
    const state = await request(server.url, 'GET', '/api/prize-raffles/ops');
    expect(state.body.status).toBe('sold_out');
    const spoofed = await request(server.url, 'POST', '/api/prize-raffles/ops/draws', undefined, {
      'x-forwarded-for': '127.0.0.1, 203.0.113.9',
    });
    expect(spoofed.status).toBe(403);
  });
});

describe('prize raffles: concurrent claims', () => {
  it('N concurrent claims from N addresses on N tickets give exactly 1..N', async () => {
    const claims = await soldOut('exact', 200, ['a', 'b']);
    const numbers = claims.map((c) => c.ticketNumber).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const c of claims) {
      expect(c.raffleId).toBe('exact');
      expect(c.verificationCode).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    expect(new Set(claims.map((c) => c.verificationCode)).size).toBe(200);
    const fetched = await request(server.url, 'GET', '/api/prize-raffles/exact');
    expect(fetched.body).toMatchObject({
      ticketsClaimed: 200,
      ticketsRemaining: 0,
      status: 'sold_out',
    });
  });

  it('M > N concurrent claims give exactly M − N sold_out', async () => {
    expect(
      (await create({ id: 'crowd', name: 'Crowd', ticketCount: 50, prizes: [{ name: 'x' }] }))
        .status,
    ).toBe(201);
    const replies = await Promise.all(
      Array.from({ length: 130 }, (_, i) => claim('crowd', addressOf(1_000 + i))),
    );
    const won = replies.filter((r) => r.status === 201);
    const refused = replies.filter((r) => r.status === 409);
    expect(won).toHaveLength(50);
    expect(refused).toHaveLength(80);
    for (const r of refused) expect(r.body.reason).toBe('sold_out');
    expect(won.map((r) => r.body.ticketNumber as number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  it('a burst of claims from one address (in several spellings) gets one ticket', async () => {
    expect(
      (await create({ id: 'burst', name: 'Burst', ticketCount: 100, prizes: [{ name: 'x' }] }))
        .status,
    ).toBe(201);
    const spellings = ['198.51.100.7', '::ffff:198.51.100.7', '::FFFF:c633:6407'];
    const replies = await Promise.all(
      Array.from({ length: 45 }, (_, i) => claim('burst', spellings[i % 3] as string)),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = replies.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(44);
    for (const r of refused)
      expect([r.status, r.body.reason]).toEqual([409, 'already_participated']);
    // Another raffle is another chance for the same address.
    await create({ id: 'burst-2', name: 'Burst 2', ticketCount: 5, prizes: [{ name: 'x' }] });
    expect((await claim('burst-2', '198.51.100.7')).status).toBe(201);
  });

  it('claims refuse an unknown raffle (404) and a request naming no valid address (400)', async () => {
    const missing = await claim('nowhere', '192.0.2.50');
    expect([missing.status, missing.body.reason]).toEqual([404, 'raffle_not_found']);
    const garbled = await claim('burst', 'not-an-address');
    expect([garbled.status, garbled.body.reason]).toEqual([400, 'client_address_unknown']);
  });

  it('a retried claim with the same Idempotency-Key gets the same ticket and code, once', async () => {
    await create({ id: 'retry', name: 'Retry', ticketCount: 20, prizes: [{ name: 'x' }] });
    const key = { 'idempotency-key': 'claim-7f3c0a' };
    const first = await claim('retry', '192.0.2.77', key);
    const again = await Promise.all([1, 2, 3].map(() => claim('retry', '192.0.2.77', key)));
    expect(first.status).toBe(201);
    for (const reply of again) {
      expect(reply.status).toBe(201);
      expect(reply.body).toEqual(first.body);
    }
    const fetched = await request(server.url, 'GET', '/api/prize-raffles/retry');
    expect(fetched.body.ticketsClaimed).toBe(1);
    // Without the key, the same address is refused; the key from another address is another request.
    expect((await claim('retry', '192.0.2.77')).body.reason).toBe('already_participated');
    const stolen = await claim('retry', '192.0.2.78', key);
    expect([stolen.status, stolen.body.reason]).toEqual([422, 'idempotency_key_reused']);
  });
});

describe('prize raffles: draw, winners, verify', () => {
  it('refusals before the draw: tickets_remaining, not_drawn for winners and verify', async () => {
    await create({ id: 'early', name: 'Early', ticketCount: 2, prizes: [{ name: 'x' }] });
    const mine = await claim('early', '192.0.2.90');
    const draw = await request(server.url, 'POST', '/api/prize-raffles/early/draws');
    expect([draw.status, draw.body.reason]).toEqual([409, 'tickets_remaining']);
    const winners = await request(server.url, 'GET', '/api/prize-raffles/early/winners');
    expect([winners.status, winners.body.reason]).toEqual([409, 'not_drawn']);
    const verified = await verify('early', mine.body);
    expect([verified.status, verified.body.reason]).toEqual([409, 'not_drawn']);
    const missing = await request(server.url, 'GET', '/api/prize-raffles/nowhere/winners');
    expect(missing.status).toBe(404);
  });

  it('concurrent draws give one draw; winners are distinct claimed tickets, one per prize', async () => {
    const claims = await soldOut('finale', 30, ['Bike', 'Bike', 'Car']);
    const draws = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(server.url, 'POST', '/api/prize-raffles/finale/draws'),
      ),
    );
    const done = draws.filter((d) => d.status === 201);
    expect(done).toHaveLength(1);
    for (const d of draws.filter((r) => r.status !== 201)) {
      expect([d.status, d.body.reason]).toEqual([409, 'already_drawn']);
    }
    const drawn = done[0]?.body as {
      winners: { prize: { name: string }; ticketNumber: number }[];
      drawnAt: string;
    };
    expect(drawn.winners.map((w) => w.prize.name)).toEqual(['Bike', 'Bike', 'Car']);
    const tickets = drawn.winners.map((w) => w.ticketNumber);
    expect(new Set(tickets).size).toBe(3);
    for (const t of tickets) expect(t >= 1 && t <= 30).toBe(true);
    const winners = await request(server.url, 'GET', '/api/prize-raffles/finale/winners');
    expect(winners.status).toBe(200);
    // The draw also says where its random bytes came from; the winners' listing does not.
    expect(done[0]?.body.randomness).toMatchObject({ seq: expect.any(Number) });
    expect(winners.body).toEqual(asListed(done[0]?.body));
    const fetched = await request(server.url, 'GET', '/api/prize-raffles/finale');
    expect(fetched.body).toMatchObject({ status: 'drawn', drawnAt: drawn.drawnAt });

    // Every holder verifies with the claim's answer as received; only winners won, each its prize.
    const results = await Promise.all(claims.map((c) => verify('finale', c)));
    for (const [i, result] of results.entries()) {
      expect(result.status).toBe(200);
      const index = tickets.indexOf(claims[i]?.ticketNumber as number);
      expect(result.body).toEqual({
        ticketNumber: claims[i]?.ticketNumber,
        won: index >= 0,
        prize: index >= 0 ? { name: drawn.winners[index]?.prize.name } : null,
      });
    }
    expect(results.filter((r) => r.body.won)).toHaveLength(3);
  });

  it('verify: a wrong code and a number nobody holds answer alike; bad input is a 400', async () => {
    const claims = await soldOut('probe', 4, ['x']);
    expect((await request(server.url, 'POST', '/api/prize-raffles/probe/draws')).status).toBe(201);
    const [a, b] = claims as [(typeof claims)[0], (typeof claims)[0]];
    const wrongCode = await verify('probe', {
      ticketNumber: a.ticketNumber,
      verificationCode: b.verificationCode,
    });
    const unheld = await verify('probe', { ticketNumber: 5, verificationCode: a.verificationCode });
    const farAway = await verify('probe', { ticketNumber: 9_999_999, verificationCode: 'guess' });
    for (const reply of [wrongCode, unheld, farAway]) {
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual(wrongCode.body);
      expect(reply.body.reason).toBe('verification_failed');
    }
    const bad: unknown[] = [
      { ticketNumber: 0, verificationCode: a.verificationCode },
      { ticketNumber: '1', verificationCode: a.verificationCode },
      { ticketNumber: 1.5, verificationCode: a.verificationCode },
      { ticketNumber: 1 },
      { ticketNumber: 1, verificationCode: '' },
      { ticketNumber: 1, verificationCode: 'x'.repeat(129) },
      { ...a, raffleId: 'another' },
    ];
    for (const body of bad) {
      const reply = await verify('probe', body);
      expect([reply.status, reply.body.reason], JSON.stringify(body)).toEqual([
        400,
        'invalid_input',
      ]);
    }
    const elsewhere = await verify('nowhere', { ticketNumber: 1, verificationCode: 'x' });
    expect(elsewhere.status).toBe(404);
  });

  it('public answers carry no hash, holder or address', async () => {
    const texts = await Promise.all(
      ['/api/prize-raffles', '/api/prize-raffles/finale', '/api/prize-raffles/finale/winners'].map(
        async (path) => JSON.stringify((await request(server.url, 'GET', path)).body),
      ),
    );
    for (const text of texts) {
      expect(text).not.toMatch(/198\.51\.|codeHash|holder|sealed/);
    }
  });
});
