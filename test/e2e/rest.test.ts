/**
 * End-to-end tests of the REST surface (and a quick look at /trpc): every endpoint of the
 * contract in docs/DESIGN.md and WRITEUP.md, its happy path and each refusal it lists, against the real server on a
 * free port. Refusals are checked by status and stable `reason`, never by message wording, and
 * every refusal is checked to leave the state as it was.
 */
import { asListed } from '../support/randomness.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { allParticipants, expectRefusal, freshRaffle, type Reply } from '../support/assertions.js';
import { BlockingLog, request, startTestServer } from '../support/server.js';

let running: RunningServer;

beforeAll(async () => {
  running = await startTestServer();
});

afterAll(async () => {
  await running.close();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function api(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  return request(running.url, method, `/api${path}`, body, headers);
}

async function issue(raffleId: string, username: string, count: number, base = running.url) {
  const reply = await request(base, 'POST', `/api/raffles/${raffleId}/tickets`, {
    username,
    count,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body as { username: string; tickets: number; totalTickets: number };
}

/** The observable state of a raffle: its figures and every balance in listing order. */
async function snapshot(raffleId: string, base = running.url) {
  const stats = await request(base, 'GET', `/api/raffles/${raffleId}`);
  expect(stats.status).toBe(200);
  return { stats: stats.body, participants: await allParticipants(base, raffleId) };
}

describe('raffles', () => {
  it('raffles: main exists at start', async () => {
    const reply = await api('GET', '/raffles/main');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: 'main',
      name: 'Main raffle',
      totalTickets: 0,
      participantCount: 0,
      drawCount: 0,
    });
  });

  it('raffles: create with id', async () => {
    const before = Date.now();
    const reply = await api('POST', '/raffles', { id: 'spring-2026', name: 'Spring raffle' });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      id: 'spring-2026',
      name: 'Spring raffle',
      createdAt: expect.any(String),
      totalTickets: 0,
      participantCount: 0,
      drawCount: 0,
    });
    expect(new Date(reply.body.createdAt).toISOString()).toBe(reply.body.createdAt);
    const createdMs = Date.parse(reply.body.createdAt);
    expect(createdMs).toBeGreaterThanOrEqual(before - 1000);
    expect(createdMs).toBeLessThanOrEqual(Date.now() + 1000);
    const read = await api('GET', '/raffles/spring-2026');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(reply.body);
  });

  it('raffles: create without id gets a generated id', async () => {
    const reply = await api('POST', '/raffles', { name: 'No id given' });
    expect(reply.status).toBe(201);
    expect(reply.body.id).toMatch(/^r-[a-z0-9]{10}$/);
    expect(reply.body.name).toBe('No id given');
    const read = await api('GET', `/raffles/${reply.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.name).toBe('No id given');
    const other = await api('POST', '/raffles', { name: 'No id given' });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(reply.body.id);
  });

  it('raffles: id already taken', async () => {
    const id = await freshRaffle(running.url, 'taken');
    const before = await api('GET', '/raffles');
    const reply = await api('POST', '/raffles', { id, name: 'Another name' });
    expectRefusal(reply, 409, 'raffle_id_taken');
    expect((await api('GET', `/raffles/${id}`)).body.name).toBe(`Raffle ${id}`);
    expect((await api('GET', '/raffles')).body).toEqual(before.body);
  });

  it.each([
    ['an id that is not a slug', { id: 'Not A Slug', name: 'x' }],
    ['an empty name', { id: 'empty-name', name: '' }],
    ['no name', { id: 'no-name' }],
    ['a name with a control character', { name: 'a\u0007b' }],
  ])('raffles: create with %s is invalid input', async (_label, body) => {
    const before = await api('GET', '/raffles');
    const reply = await api('POST', '/raffles', body);
    expectRefusal(reply, 400, 'invalid_input');
    expect(Array.isArray(reply.body.issues)).toBe(true);
    expect((await api('GET', '/raffles')).body).toEqual(before.body);
  });

  it('raffles: list includes main and created ones', async () => {
    const a = await freshRaffle(running.url, 'listed');
    const b = await freshRaffle(running.url, 'listed');
    const reply = await api('GET', '/raffles');
    expect(reply.status).toBe(200);
    const ids = (reply.body.raffles as { id: string }[]).map((raffle) => raffle.id);
    expect(ids).toEqual(expect.arrayContaining(['main', 'spring-2026', a, b]));
    expect(new Set(ids).size).toBe(ids.length);
    for (const raffle of reply.body.raffles) {
      expect(Object.keys(raffle).sort()).toEqual(
        ['createdAt', 'drawCount', 'id', 'name', 'participantCount', 'totalTickets'].sort(),
      );
    }
  });

  it('raffles: stats reflect operations', async () => {
    const id = await freshRaffle(running.url, 'stats');
    await issue(id, 'alice', 5);
    await issue(id, 'bob', 3);
    expect((await api('GET', `/raffles/${id}`)).body).toMatchObject({
      totalTickets: 8,
      participantCount: 2,
      drawCount: 0,
    });
    expect(
      (await api('POST', `/raffles/${id}/transfers`, { from: 'bob', to: 'carol', count: 3 }))
        .status,
    ).toBe(200);
    expect((await api('GET', `/raffles/${id}`)).body).toMatchObject({
      totalTickets: 8,
      participantCount: 2,
      drawCount: 0,
    });
    expect((await api('POST', `/raffles/${id}/draws`)).status).toBe(201);
    expect((await api('POST', `/raffles/${id}/draws`)).status).toBe(201);
    const stats = (await api('GET', `/raffles/${id}`)).body;
    expect(stats).toMatchObject({ id, name: `Raffle ${id}`, totalTickets: 6, drawCount: 2 });
    const participants = await allParticipants(running.url, id);
    expect(stats.participantCount).toBe(participants.length);
    expect(participants.reduce((sum, p) => sum + p.tickets, 0)).toBe(6);
  });

  it('raffles: unknown raffle', async () => {
    expectRefusal(await api('GET', '/raffles/no-such-raffle'), 404, 'raffle_not_found');
  });

  describe('with rafflesMax 2', () => {
    let small: RunningServer;
    beforeAll(async () => {
      small = await startTestServer({ rafflesMax: 2 });
    });
    afterAll(async () => {
      await small.close();
    });

    it('raffles: raffle limit reached', async () => {
      const first = await request(small.url, 'POST', '/api/raffles', { id: 'second', name: 'x' });
      expect(first.status).toBe(201);
      const before = await request(small.url, 'GET', '/api/raffles');
      const refused = await request(small.url, 'POST', '/api/raffles', { id: 'third', name: 'x' });
      expectRefusal(refused, 409, 'raffle_limit_reached');
      const generated = await request(small.url, 'POST', '/api/raffles', { name: 'no id' });
      expectRefusal(generated, 409, 'raffle_limit_reached');
      const after = await request(small.url, 'GET', '/api/raffles');
      expect(after.body).toEqual(before.body);
      expect((after.body.raffles as { id: string }[]).map((r) => r.id)).toEqual(['main', 'second']);
      expectRefusal(await request(small.url, 'GET', '/api/raffles/third'), 404, 'raffle_not_found');
    });
  });
});

describe('issue', () => {
  it('issue: new participant', async () => {
    const id = await freshRaffle(running.url, 'issue');
    const reply = await api('POST', `/raffles/${id}/tickets`, { username: 'alice', count: 7 });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ username: 'alice', tickets: 7, totalTickets: 7 });
    expect((await api('GET', `/raffles/${id}/participants/alice`)).body).toEqual({
      username: 'alice',
      tickets: 7,
    });
  });

  it('issue: existing participant', async () => {
    const id = await freshRaffle(running.url, 'issue');
    await issue(id, 'alice', 7);
    await issue(id, 'bob', 2);
    const reply = await api('POST', `/raffles/${id}/tickets`, { username: 'alice', count: 5 });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ username: 'alice', tickets: 12, totalTickets: 14 });
    expect((await api('GET', `/raffles/${id}`)).body).toMatchObject({
      totalTickets: 14,
      participantCount: 2,
    });
  });

  it('issue: unknown raffle', async () => {
    const before = await api('GET', '/raffles');
    const reply = await api('POST', '/raffles/no-such-raffle/tickets', {
      username: 'alice',
      count: 1,
    });
    expectRefusal(reply, 404, 'raffle_not_found');
    expect((await api('GET', '/raffles')).body).toEqual(before.body);
  });

  describe('with countMax = Number.MAX_SAFE_INTEGER', () => {
    let big: RunningServer;
    beforeAll(async () => {
      big = await startTestServer({ countMax: Number.MAX_SAFE_INTEGER });
    });
    afterAll(async () => {
      await big.close();
    });

    it('issue: total would pass Number.MAX_SAFE_INTEGER', async () => {
      const max = Number.MAX_SAFE_INTEGER;
      const id = await freshRaffle(big.url, 'overflow');
      const half = 2 ** 52;
      expect(await issue(id, 'alice', half, big.url)).toEqual({
        username: 'alice',
        tickets: half,
        totalTickets: half,
      });
      // 2^52 + 2^52 = 2^53 would pass the safe range by one.
      let before = await snapshot(id, big.url);
      let reply = await request(big.url, 'POST', `/api/raffles/${id}/tickets`, {
        username: 'bob',
        count: half,
      });
      expectRefusal(reply, 409, 'ticket_total_overflow');
      expect(await snapshot(id, big.url)).toEqual(before);
      // countMax-sized issues are refused while they would overflow.
      reply = await request(big.url, 'POST', `/api/raffles/${id}/tickets`, {
        username: 'alice',
        count: max,
      });
      expectRefusal(reply, 409, 'ticket_total_overflow');
      expect(await snapshot(id, big.url)).toEqual(before);
      // Exactly up to the maximum is fine.
      expect(await issue(id, 'bob', half - 1, big.url)).toEqual({
        username: 'bob',
        tickets: half - 1,
        totalTickets: max,
      });
      before = await snapshot(id, big.url);
      expect(before.stats.totalTickets).toBe(max);
      reply = await request(big.url, 'POST', `/api/raffles/${id}/tickets`, {
        username: 'carol',
        count: 1,
      });
      expectRefusal(reply, 409, 'ticket_total_overflow');
      expect(await snapshot(id, big.url)).toEqual(before);
      // A raffle at the maximum still draws correctly.
      const draw = await request(big.url, 'POST', `/api/raffles/${id}/draws`);
      expect(draw.status).toBe(201);
      expect(draw.body.totalTicketsBefore).toBe(max);
      expect(draw.body.ticketIndex).toBeGreaterThanOrEqual(0);
      expect(draw.body.ticketIndex).toBeLessThan(max);
      expect((await request(big.url, 'GET', `/api/raffles/${id}`)).body.totalTickets).toBe(max - 1);
    });

    it('issue: one countMax-sized issue fills a raffle, the next overflows', async () => {
      const id = await freshRaffle(big.url, 'overflow');
      const max = Number.MAX_SAFE_INTEGER;
      expect(await issue(id, 'alice', max, big.url)).toEqual({
        username: 'alice',
        tickets: max,
        totalTickets: max,
      });
      const before = await snapshot(id, big.url);
      for (const count of [max, 1]) {
        const reply = await request(big.url, 'POST', `/api/raffles/${id}/tickets`, {
          username: 'alice',
          count,
        });
        expectRefusal(reply, 409, 'ticket_total_overflow');
      }
      expect(await snapshot(id, big.url)).toEqual(before);
    });
  });

  describe('with participantsPerRaffleMax 2', () => {
    let small: RunningServer;
    beforeAll(async () => {
      small = await startTestServer({ participantsPerRaffleMax: 2 });
    });
    afterAll(async () => {
      await small.close();
    });

    it('issue: participant limit reached', async () => {
      const id = await freshRaffle(small.url, 'plimit');
      await issue(id, 'alice', 3, small.url);
      await issue(id, 'bob', 2, small.url);
      const before = await snapshot(id, small.url);
      const reply = await request(small.url, 'POST', `/api/raffles/${id}/tickets`, {
        username: 'carol',
        count: 1,
      });
      expectRefusal(reply, 409, 'participant_limit_reached');
      expect(await snapshot(id, small.url)).toEqual(before);
      // Existing participants still get tickets.
      expect(await issue(id, 'alice', 4, small.url)).toEqual({
        username: 'alice',
        tickets: 7,
        totalTickets: 9,
      });
      expect(await issue(id, 'bob', 1, small.url)).toEqual({
        username: 'bob',
        tickets: 3,
        totalTickets: 10,
      });
    });

    it('transfer: participant limit reached for a new recipient', async () => {
      const id = await freshRaffle(small.url, 'plimit');
      await issue(id, 'alice', 3, small.url);
      await issue(id, 'bob', 2, small.url);
      const before = await snapshot(id, small.url);
      const refused = await request(small.url, 'POST', `/api/raffles/${id}/transfers`, {
        from: 'alice',
        to: 'carol',
        count: 1,
      });
      expectRefusal(refused, 409, 'participant_limit_reached');
      expect(await snapshot(id, small.url)).toEqual(before);
      // A donor who leaves makes room: the count of participants stays at the limit.
      const moved = await request(small.url, 'POST', `/api/raffles/${id}/transfers`, {
        from: 'bob',
        to: 'carol',
        count: 2,
      });
      expect(moved.status).toBe(200);
      expect(moved.body).toEqual({
        from: { username: 'bob', tickets: 0 },
        to: { username: 'carol', tickets: 2 },
      });
      expect(await allParticipants(small.url, id)).toEqual([
        { username: 'alice', tickets: 3 },
        { username: 'carol', tickets: 2 },
      ]);
    });
  });
});

describe('transfer', () => {
  async function setup() {
    const id = await freshRaffle(running.url, 'transfer');
    await issue(id, 'alice', 10);
    await issue(id, 'bob', 5);
    return id;
  }

  it('transfer: to a new recipient', async () => {
    const id = await setup();
    const reply = await api('POST', `/raffles/${id}/transfers`, {
      from: 'alice',
      to: 'carol',
      count: 3,
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      from: { username: 'alice', tickets: 7 },
      to: { username: 'carol', tickets: 3 },
    });
    expect(await allParticipants(running.url, id)).toEqual([
      { username: 'alice', tickets: 7 },
      { username: 'bob', tickets: 5 },
      { username: 'carol', tickets: 3 },
    ]);
    expect((await api('GET', `/raffles/${id}`)).body).toMatchObject({
      totalTickets: 15,
      participantCount: 3,
    });
  });

  it('transfer: to an existing recipient', async () => {
    const id = await setup();
    const reply = await api('POST', `/raffles/${id}/transfers`, {
      from: 'bob',
      to: 'alice',
      count: 4,
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      from: { username: 'bob', tickets: 1 },
      to: { username: 'alice', tickets: 14 },
    });
    expect((await api('GET', `/raffles/${id}`)).body).toMatchObject({
      totalTickets: 15,
      participantCount: 2,
    });
  });

  it('transfer: donor emptied leaves the listing', async () => {
    const id = await setup();
    const reply = await api('POST', `/raffles/${id}/transfers`, {
      from: 'alice',
      to: 'bob',
      count: 10,
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      from: { username: 'alice', tickets: 0 },
      to: { username: 'bob', tickets: 15 },
    });
    expect(await allParticipants(running.url, id)).toEqual([{ username: 'bob', tickets: 15 }]);
    expectRefusal(
      await api('GET', `/raffles/${id}/participants/alice`),
      404,
      'participant_not_found',
    );
    expect((await api('GET', `/raffles/${id}`)).body).toMatchObject({
      totalTickets: 15,
      participantCount: 1,
    });
    // The emptied donor cannot give any more.
    expectRefusal(
      await api('POST', `/raffles/${id}/transfers`, { from: 'alice', to: 'bob', count: 1 }),
      404,
      'participant_not_found',
    );
    // And comes back at the end of the listing when given tickets again.
    await issue(id, 'alice', 1);
    expect(await allParticipants(running.url, id)).toEqual([
      { username: 'bob', tickets: 15 },
      { username: 'alice', tickets: 1 },
    ]);
  });

  it('transfer: to self', async () => {
    const id = await setup();
    const before = await snapshot(id);
    const reply = await api('POST', `/raffles/${id}/transfers`, {
      from: 'alice',
      to: 'alice',
      count: 1,
    });
    expectRefusal(reply, 400, 'transfer_to_self');
    expect(await snapshot(id)).toEqual(before);
  });

  it('transfer: to self spelled differently (NFC vs NFD)', async () => {
    const id = await setup();
    await issue(id, '\u00e9mile', 2);
    const before = await snapshot(id);
    const reply = await api('POST', `/raffles/${id}/transfers`, {
      from: '\u00e9mile',
      to: 'e\u0301mile',
      count: 1,
    });
    expectRefusal(reply, 400, 'transfer_to_self');
    expect(await snapshot(id)).toEqual(before);
  });

  it('transfer: unknown donor', async () => {
    const id = await setup();
    const before = await snapshot(id);
    const reply = await api('POST', `/raffles/${id}/transfers`, {
      from: 'nobody',
      to: 'carol',
      count: 1,
    });
    expectRefusal(reply, 404, 'participant_not_found');
    expect(await snapshot(id)).toEqual(before);
    expectRefusal(
      await api('GET', `/raffles/${id}/participants/carol`),
      404,
      'participant_not_found',
    );
  });

  it('transfer: donor has too few tickets', async () => {
    const id = await setup();
    const before = await snapshot(id);
    for (const [to, count] of [
      ['alice', 6],
      ['carol', 6],
      ['carol', 1_000_000],
    ] as const) {
      const reply = await api('POST', `/raffles/${id}/transfers`, { from: 'bob', to, count });
      expectRefusal(reply, 409, 'insufficient_tickets');
      expect(await snapshot(id)).toEqual(before);
    }
    expect((await api('GET', `/raffles/${id}/participants/bob`)).body).toEqual({
      username: 'bob',
      tickets: 5,
    });
  });

  it('transfer: bad count', async () => {
    const id = await setup();
    const before = await snapshot(id);
    for (const count of [0, -1, 1.5]) {
      const reply = await api('POST', `/raffles/${id}/transfers`, {
        from: 'alice',
        to: 'bob',
        count,
      });
      expectRefusal(reply, 400, 'invalid_input');
    }
    expect(await snapshot(id)).toEqual(before);
  });

  it('transfer: unknown raffle', async () => {
    const before = await api('GET', '/raffles');
    const reply = await api('POST', '/raffles/no-such-raffle/transfers', {
      from: 'alice',
      to: 'bob',
      count: 1,
    });
    expectRefusal(reply, 404, 'raffle_not_found');
    expect((await api('GET', '/raffles')).body).toEqual(before.body);
  });
});

describe('draw', () => {
  let id: string;
  const made: Reply['body'][] = [];

  beforeAll(async () => {
    id = await freshRaffle(running.url, 'draw');
    await issue(id, 'alice', 2);
    await issue(id, 'bob', 1);
  });

  it('draw: POST with no body and no content type', async () => {
    const before = await allParticipants(running.url, id);
    const response = await fetch(`${running.url}/api/raffles/${id}/draws`, { method: 'POST' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Reply['body'];
    made.push(asListed(body));
    expect(body).toEqual({
      drawId: 1,
      username: expect.any(String),
      ticketsLeft: expect.any(Number),
      totalTicketsBefore: 3,
      ticketIndex: expect.any(Number),
      at: expect.any(String),
      randomness: {
        seq: expect.any(Number),
        link: expect.stringMatching(/^[0-9a-f]{64}$/),
        chain: { anchor: expect.stringMatching(/^[0-9a-f]{64}$/), index: expect.any(Number) },
      },
    });
    expect(new Date(body.at).toISOString()).toBe(body.at);
    expect(body.ticketIndex).toBeGreaterThanOrEqual(0);
    expect(body.ticketIndex).toBeLessThan(3);
    // The winner owns the drawn ticket (index in listing order) and holds one fewer.
    const winner = before.find((p) => p.username === body.username);
    expect(winner).toBeDefined();
    expect(body.ticketsLeft).toBe((winner?.tickets ?? 0) - 1);
    let offset = 0;
    for (const p of before) {
      if (p.username === body.username) {
        expect(body.ticketIndex).toBeGreaterThanOrEqual(offset);
        expect(body.ticketIndex).toBeLessThan(offset + p.tickets);
      }
      offset += p.tickets;
    }
    const read = await api('GET', `/raffles/${id}/participants/${body.username}`);
    if (body.ticketsLeft === 0) expectRefusal(read, 404, 'participant_not_found');
    else expect(read.body).toEqual({ username: body.username, tickets: body.ticketsLeft });
    expect((await api('GET', `/raffles/${id}`)).body).toMatchObject({
      totalTickets: 2,
      drawCount: 1,
    });
  });

  it('draw: an empty JSON object body works too', async () => {
    const reply = await api('POST', `/raffles/${id}/draws`, {});
    expect(reply.status).toBe(201);
    made.push(asListed(reply.body));
    expect(reply.body.drawId).toBe(2);
    expect(reply.body.totalTicketsBefore).toBe(2);
  });

  it('draw: draws until empty, then raffle is empty', async () => {
    const reply = await api('POST', `/raffles/${id}/draws`);
    expect(reply.status).toBe(201);
    made.push(asListed(reply.body));
    expect(reply.body).toMatchObject({ drawId: 3, totalTicketsBefore: 1, ticketIndex: 0 });
    expect(reply.body.ticketsLeft).toBe(0);
    // Every ticket was drawn exactly once: alice won twice, bob once.
    const wins = new Map<string, number>();
    for (const draw of made) wins.set(draw.username, (wins.get(draw.username) ?? 0) + 1);
    expect(Object.fromEntries(wins)).toEqual({ alice: 2, bob: 1 });

    const before = await snapshot(id);
    expect(before.stats).toMatchObject({ totalTickets: 0, participantCount: 0, drawCount: 3 });
    expect(before.participants).toEqual([]);
    for (let i = 0; i < 2; i += 1) {
      expectRefusal(await api('POST', `/raffles/${id}/draws`), 409, 'raffle_empty');
    }
    expect(await snapshot(id)).toEqual(before);
  });

  it('draw: history lists draws in order, with pagination', async () => {
    const all = await api('GET', `/raffles/${id}/draws`);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ draws: made, nextCursor: null });

    const first = await api('GET', `/raffles/${id}/draws?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.draws).toEqual(made.slice(0, 2));
    expect(typeof first.body.nextCursor).toBe('string');
    const second = await api(
      'GET',
      `/raffles/${id}/draws?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ draws: made.slice(2), nextCursor: null });

    const ones: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await api('GET', `/raffles/${id}/draws?limit=1${query}`);
      expect(page.status).toBe(200);
      expect(page.body.draws).toHaveLength(1);
      ones.push(page.body.draws[0].drawId);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(ones).toEqual([1, 2, 3]);
  });

  it('draw: history of a raffle without draws is empty', async () => {
    const other = await freshRaffle(running.url, 'draw');
    expect((await api('GET', `/raffles/${other}/draws`)).body).toEqual({
      draws: [],
      nextCursor: null,
    });
  });

  it.each(['abc', '0', '-1', '1.5'])('draw: history with invalid cursor %s', async (cursor) => {
    expectRefusal(await api('GET', `/raffles/${id}/draws?cursor=${cursor}`), 400, 'invalid_cursor');
  });

  it('draw: unknown raffle', async () => {
    const before = await api('GET', '/raffles');
    expectRefusal(await api('POST', '/raffles/no-such-raffle/draws'), 404, 'raffle_not_found');
    expectRefusal(await api('GET', '/raffles/no-such-raffle/draws'), 404, 'raffle_not_found');
    expect((await api('GET', '/raffles')).body).toEqual(before.body);
  });
});

describe('participants', () => {
  const names = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`);

  async function raffleWith25() {
    const id = await freshRaffle(running.url, 'list');
    for (const [i, name] of names.entries()) await issue(id, name, i + 1);
    return id;
  }

  async function page(id: string, limit: number, cursor: string | null) {
    const query = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const reply = await api('GET', `/raffles/${id}/participants?limit=${limit}${query}`);
    expect(reply.status).toBe(200);
    return reply.body as {
      participants: { username: string; tickets: number }[];
      nextCursor: string | null;
    };
  }

  it('participants: pagination over 25 with limit 10', async () => {
    const id = await raffleWith25();
    const p1 = await page(id, 10, null);
    expect(p1.participants).toHaveLength(10);
    expect(typeof p1.nextCursor).toBe('string');
    const p2 = await page(id, 10, p1.nextCursor);
    expect(p2.participants).toHaveLength(10);
    expect(typeof p2.nextCursor).toBe('string');
    const p3 = await page(id, 10, p2.nextCursor);
    expect(p3.participants).toHaveLength(5);
    expect(p3.nextCursor).toBeNull();
    const seen = [...p1.participants, ...p2.participants, ...p3.participants];
    expect(seen).toEqual(names.map((username, i) => ({ username, tickets: i + 1 })));
    expect(new Set(seen.map((p) => p.username)).size).toBe(25);
    // Without a limit, one default page holds them all.
    expect(await page(id, 100, null)).toEqual({ participants: seen, nextCursor: null });
    const defaultPage = await api('GET', `/raffles/${id}/participants`);
    expect(defaultPage.body).toEqual({ participants: seen, nextCursor: null });
  });

  it('participants: a full last page has a null cursor', async () => {
    const id = await freshRaffle(running.url, 'list');
    for (const name of names.slice(0, 20)) await issue(id, name, 1);
    const p1 = await page(id, 10, null);
    const p2 = await page(id, 10, p1.nextCursor);
    expect(p2.participants).toHaveLength(10);
    expect(p2.nextCursor).toBeNull();
  });

  it('participants: order stable when a participant joins between pages', async () => {
    const id = await raffleWith25();
    const p1 = await page(id, 10, null);
    await issue(id, 'late', 4);
    await issue(id, 'p02', 100); // more tickets do not move anyone
    const p2 = await page(id, 10, p1.nextCursor);
    const p3 = await page(id, 10, p2.nextCursor);
    expect(p3.nextCursor).toBeNull();
    const seen = [...p1.participants, ...p2.participants, ...p3.participants].map(
      (p) => p.username,
    );
    expect(seen).toEqual([...names, 'late']);
    expect(p3.participants.at(-1)).toEqual({ username: 'late', tickets: 4 });
  });

  it.each(['abc', '0', '-5', '99999999999999999999', '1e3'])(
    'participants: invalid cursor %s',
    async (cursor) => {
      const id = await freshRaffle(running.url, 'list');
      await issue(id, 'alice', 1);
      expectRefusal(
        await api('GET', `/raffles/${id}/participants?cursor=${cursor}`),
        400,
        'invalid_cursor',
      );
    },
  );

  it.each(['0', '1001', 'abc', '-1', '2.5'])('participants: limit %s is invalid', async (limit) => {
    const reply = await api('GET', `/raffles/main/participants?limit=${limit}`);
    expectRefusal(reply, 400, 'invalid_input');
    expect(Array.isArray(reply.body.issues)).toBe(true);
  });

  it('participants: limits 1 and 1000 are valid', async () => {
    const id = await raffleWith25();
    expect((await page(id, 1, null)).participants).toEqual([{ username: 'p00', tickets: 1 }]);
    expect((await page(id, 1000, null)).participants).toHaveLength(25);
  });

  it('participants: single participant', async () => {
    const id = await freshRaffle(running.url, 'one');
    await issue(id, 'alice', 3);
    const reply = await api('GET', `/raffles/${id}/participants/alice`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ username: 'alice', tickets: 3 });
  });

  it('participants: unknown participant', async () => {
    const id = await freshRaffle(running.url, 'one');
    await issue(id, 'alice', 3);
    expectRefusal(
      await api('GET', `/raffles/${id}/participants/bob`),
      404,
      'participant_not_found',
    );
  });

  it('participants: unknown raffle', async () => {
    expectRefusal(
      await api('GET', '/raffles/no-such-raffle/participants'),
      404,
      'raffle_not_found',
    );
    expectRefusal(
      await api('GET', '/raffles/no-such-raffle/participants/alice'),
      404,
      'raffle_not_found',
    );
  });

  it('participants: unicode usernames are listed as given (NFC)', async () => {
    const id = await freshRaffle(running.url, 'unicode');
    await issue(id, 'zo\u00eb', 2);
    await issue(id, '\u{1F389}party', 3);
    expect(await allParticipants(running.url, id)).toEqual([
      { username: 'zo\u00eb', tickets: 2 },
      { username: '\u{1F389}party', tickets: 3 },
    ]);
  });

  it('participants: unicode username in the path', async () => {
    const id = await freshRaffle(running.url, 'unicode');
    for (const [username, tickets] of [
      ['zo\u00eb', 2],
      ['\u{1F389}party', 3],
      ['a b', 4],
      ['100%', 5],
      ['a/b', 6],
    ] as const) {
      await issue(id, username, tickets);
      const reply = await api('GET', `/raffles/${id}/participants/${encodeURIComponent(username)}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body).toEqual({ username, tickets });
    }
    // The NFD spelling in the path names the same participant.
    const nfd = await api('GET', `/raffles/${id}/participants/${encodeURIComponent('zoe\u0308')}`);
    expect(nfd.body).toEqual({ username: 'zo\u00eb', tickets: 2 });
  });

  it('participants: broken percent-encoding in the path', async () => {
    const id = await freshRaffle(running.url, 'unicode');
    const reply = await api('GET', `/raffles/${id}/participants/%E0%A4%A`);
    expectRefusal(reply, 400, 'invalid_input');
  });
});

describe('service endpoints', () => {
  it('healthz: ok', async () => {
    const reply = await request(running.url, 'GET', '/healthz');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'ok' });
  });

  it('openapi.json: 3.1.0 with every path of the contract', async () => {
    const reply = await request(running.url, 'GET', '/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe('3.1.0');
    const paths = reply.body.paths as Record<string, Record<string, unknown>>;
    const expected: Record<string, string[]> = {
      '/raffles': ['get', 'post'],
      '/raffles/{raffleId}': ['get'],
      '/raffles/{raffleId}/tickets': ['post'],
      '/raffles/{raffleId}/transfers': ['post'],
      '/raffles/{raffleId}/draws': ['get', 'post'],
      '/raffles/{raffleId}/participants': ['get'],
      '/raffles/{raffleId}/participants/{username}': ['get'],
      '/raffles/{raffleId}/tickets/bulk': ['post'],
      '/raffles/{raffleId}/transfers/bulk': ['post'],
      '/noop': ['post'],
      '/campaigns': ['get', 'post'],
      '/campaigns/{campaignId}': ['get'],
      '/campaigns/{campaignId}/draws': ['get', 'post'],
      '/campaigns/{campaignId}/redemptions': ['post'],
      '/prize-raffles': ['get', 'post'],
      '/prize-raffles/{id}': ['get'],
      '/prize-raffles/{id}/entries': ['post'],
      '/prize-raffles/{id}/draws': ['post'],
      '/prize-raffles/{id}/winners': ['get'],
      '/prize-raffles/{id}/verifications': ['post'],
      '/audit/head': ['get'],
      '/audit/log': ['get'],
    };
    expect(Object.keys(paths).sort()).toEqual(Object.keys(expected).sort());
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(paths[path] ?? {}).sort(), path).toEqual(methods);
    }
    const created = paths['/raffles/{raffleId}/draws']?.post as { responses: object };
    expect(Object.keys(created.responses)).toContain('201');
  });

  it('docs: offline HTML', async () => {
    const response = await fetch(`${running.url}/docs/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    const references = [
      ...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)["']/gi),
    ].map((match) => match[1] ?? '');
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) {
      expect(reference, reference).not.toMatch(/^(?:https?:)?\/\//i);
      // Each asset is served by the service itself.
      const asset = await fetch(new URL(reference, `${running.url}/docs/`));
      expect(asset.status, reference).toBe(200);
      await asset.arrayBuffer();
    }
  });

  it('metrics: Prometheus text with the queue length', async () => {
    const response = await fetch(`${running.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^# TYPE raffle_queue_length gauge$/m);
    expect(text).toMatch(/^raffle_queue_length \d+$/m);
  });

  it.each(['/nope', '/api/nope', '/api/raffles/main/nope'])('unknown route %s', async (path) => {
    const reply = await request(running.url, 'GET', path);
    expectRefusal(reply, 404, 'route_not_found');
    expect(reply.headers.get('content-type')).toMatch(/application\/json/);
  });
});

describe('queue full', () => {
  const log = new BlockingLog();
  let busy: RunningServer;

  /** Releases the blocking log over and over until `work` settles. */
  async function releaseUntil<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      log.release();
      await sleep(2);
    }
    return work;
  }

  beforeAll(async () => {
    busy = await releaseUntil(startTestServer({ queueLengthMax: 5, batchSizeMax: 1 }, { log }));
  });

  afterAll(async () => {
    log.unblock();
    await releaseUntil(busy.close());
  });

  it('queue: full queue answers 503 queue_full with Retry-After', async () => {
    const issueTo = (username: string) =>
      request(busy.url, 'POST', '/api/raffles/main/tickets', { username, count: 1 });

    // From now on every append waits for a release: the first mutation is applied and then
    // blocks in append, so the writer is busy and the rest queue behind it.
    log.block();
    const seqBefore = busy.engine.stats().appliedSeq;
    const first = issueTo('first');
    const deadline = Date.now() + 5000;
    while (busy.engine.stats().appliedSeq === seqBefore) {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(2);
    }

    // 20 more: five wait in the queue, fifteen are refused at once.
    const replies: (Reply | undefined)[] = new Array<Reply | undefined>(20);
    const pending = Array.from({ length: 20 }, (_, i) =>
      issueTo(`user-${i}`).then((reply) => {
        replies[i] = reply;
        return reply;
      }),
    );
    while (replies.filter((reply) => reply !== undefined).length < 15) {
      expect(Date.now()).toBeLessThan(deadline + 5000);
      await sleep(5);
    }
    await sleep(50);
    const refused = replies.filter((reply): reply is Reply => reply !== undefined);
    expect(refused).toHaveLength(15);
    for (const reply of refused) {
      expectRefusal(reply, 503, 'queue_full');
      expect(reply.headers.get('retry-after')).toBe('1');
    }
    expect(busy.engine.stats().queueLength).toBe(5);

    // Let the log go, one batch at a time: every accepted request succeeds.
    const all = await releaseUntil(Promise.all([first, ...pending]));
    log.unblock();
    const accepted = all.filter((reply) => reply.status !== 503);
    expect(accepted).toHaveLength(6);
    for (const reply of accepted) {
      expect(reply.status).toBe(200);
      expect(reply.body.tickets).toBe(1);
    }
    expect(accepted.map((reply) => reply.body.totalTickets).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    const stats = await request(busy.url, 'GET', '/api/raffles/main');
    expect(stats.body).toMatchObject({ totalTickets: 6, participantCount: 6 });
    expect(busy.engine.stats().queueLength).toBe(0);

    // Once drained, the queue takes commands again.
    const later = await issueTo('later');
    expect(later.status).toBe(200);
  });
});

describe('trpc', () => {
  const trpcGet = (procedure: string, input: unknown) =>
    request(
      running.url,
      'GET',
      `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
    );

  it('trpc: participants.get with superjson input', async () => {
    const id = await freshRaffle(running.url, 'trpc');
    await issue(id, 'alice', 4);
    const reply = await trpcGet('participants.get', { raffleId: id, username: 'alice' });
    expect(reply.status).toBe(200);
    expect(reply.body.result.data.json).toEqual({ username: 'alice', tickets: 4 });
  });

  it('trpc: a mutation with superjson input', async () => {
    const id = await freshRaffle(running.url, 'trpc');
    const reply = await request(running.url, 'POST', '/trpc/tickets.issue', {
      json: { raffleId: id, username: 'bob', count: 2 },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result.data.json).toEqual({ username: 'bob', tickets: 2, totalTickets: 2 });
  });

  it('trpc: errors carry the reason', async () => {
    const id = await freshRaffle(running.url, 'trpc');
    const missing = await trpcGet('participants.get', { raffleId: id, username: 'nobody' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.json.data.reason).toBe('participant_not_found');
    const noRaffle = await trpcGet('raffles.get', { raffleId: 'no-such-raffle' });
    expect(noRaffle.status).toBe(404);
    expect(noRaffle.body.error.json.data.reason).toBe('raffle_not_found');
    const invalid = await trpcGet('participants.list', { raffleId: id, limit: 0 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.json.data.reason).toBe('invalid_input');
  });

  // trpc-to-openapi mutates the zod schemas of the router it serves; /trpc has its own instance,
  // so REST traffic must not loosen what /trpc accepts.
  it('trpc: a string count stays refused after REST traffic', async () => {
    const id = await freshRaffle(running.url, 'trpc');
    expect((await api('GET', `/raffles/${id}`)).status).toBe(200); // REST traffic
    const before = await snapshot(id);
    const reply = await request(running.url, 'POST', '/trpc/tickets.issue', {
      json: { raffleId: id, username: 'bob', count: '5' },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.error.json.data.reason).toBe('invalid_input');
    expect(await snapshot(id)).toEqual(before);
  });
});
