/**
 * REST users' conventions (issue 17) on a real server: bodies that are not objects, cursors
 * never issued, the paged raffle list, `Location` on every 201, request ids, one JSON content
 * type. CORS has its own file (`cors.test.ts`).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cursorAfter } from '../../src/api/paging.js';
import { defaultConfig } from '../../src/server/env.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { rawRequest, request } from '../support/server.js';

let running: RunningServer;
let url: string;
/** Every log line the server wrote, parsed. */
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const config = defaultConfig({
    port: 0,
    host: '127.0.0.1',
    durability: 'none',
    logRequests: true,
    logLevel: 'info',
  });
  running = await startServer(config, pino({ level: 'info' }, sink));
  url = running.url;
});

afterAll(async () => {
  await running.close();
});

const window = { startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z' };
const prize = { name: 'Mug', probability: 1, quotaTotal: 100, quotaDaily: 100 };

describe('request bodies', () => {
  it('POST …/draws of every kind refuses a body that is not an object, and draws nothing', async () => {
    await request(url, 'POST', '/api/raffles', { id: 'bodies', name: 'Bodies' });
    await request(url, 'POST', '/api/raffles/bodies/tickets', { username: 'ann', count: 5 });
    await request(url, 'POST', '/api/prize-raffles', {
      id: 'prize-bodies',
      name: 'P',
      ticketCount: 1,
      prizes: [{ name: 'Car' }],
    });
    await request(url, 'POST', '/api/campaigns', {
      id: 'camp-bodies',
      name: 'C',
      ...window,
      prizes: [prize],
    });
    const targets = [
      '/api/raffles/bodies/draws',
      '/api/prize-raffles/prize-bodies/entries',
      '/api/prize-raffles/prize-bodies/draws',
      '/api/campaigns/camp-bodies/draws',
    ];
    for (const path of targets) {
      for (const body of ['null', '5', '"x"', '[]', '[{"phone":"+6591234567"}]', 'true']) {
        const reply = await request(url, 'POST', path, body);
        expect(reply.status, `${path} ${body}`).toBe(400);
        expect(reply.body.reason, `${path} ${body}`).toBe('invalid_input');
        expect(reply.body.message).toMatch(/must be a JSON object/);
      }
    }
    expect((await request(url, 'GET', '/api/raffles/bodies')).body.drawCount).toBe(0);
    expect((await request(url, 'GET', '/api/prize-raffles/prize-bodies')).body.ticketsClaimed).toBe(
      0,
    );
    expect((await request(url, 'GET', '/api/campaigns/camp-bodies')).body.drawCount).toBe(0);
  });

  it('POST …/draws needs no body at all, and takes an empty object', async () => {
    await request(url, 'POST', '/api/raffles', { id: 'nobody', name: 'No body' });
    await request(url, 'POST', '/api/raffles/nobody/tickets', { username: 'ann', count: 2 });
    const bare = await rawRequest(url, 'POST', '/api/raffles/nobody/draws');
    expect(bare.status).toBe(201);
    expect((await request(url, 'POST', '/api/raffles/nobody/draws', {})).status).toBe(201);
  });
});

describe('cursors', () => {
  it('a well-formed, well-checked cursor past the end was never issued: invalid_cursor', async () => {
    await request(url, 'POST', '/api/raffles', { id: 'cursors', name: 'Cursors' });
    for (const username of ['a', 'b', 'c']) {
      await request(url, 'POST', '/api/raffles/cursors/tickets', { username, count: 1 });
    }
    const page = await request(url, 'GET', '/api/raffles/cursors/participants?limit=2');
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const next = await request(
      url,
      'GET',
      `/api/raffles/cursors/participants?limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`,
    );
    expect(next.body.participants.map((p: { username: string }) => p.username)).toEqual(['c']);
    // Seq 4 would be the next newcomer's: never handed out, so never a cursor.
    for (const position of [4, 99999999]) {
      const forged = cursorAfter(position, 'participants', 'cursors') as string;
      const reply = await request(
        url,
        'GET',
        `/api/raffles/cursors/participants?cursor=${encodeURIComponent(forged)}`,
      );
      expect(reply.status, forged).toBe(400);
      expect(reply.body.reason).toBe('invalid_cursor');
    }
    for (const cursor of ['99999999', '3', 'abc']) {
      const reply = await request(url, 'GET', `/api/raffles/cursors/participants?cursor=${cursor}`);
      expect(reply.body.reason, cursor).toBe('invalid_cursor');
    }
  });

  it('GET /api/raffles pages in creation order; a cursor past the end is refused', async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await request(url, 'GET', `/api/raffles?limit=2${query}`);
      expect(page.status).toBe(200);
      expect(page.body.raffles.length).toBeLessThanOrEqual(2);
      all.push(...page.body.raffles.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    const whole = await request(url, 'GET', '/api/raffles?limit=1000');
    expect(whole.body.nextCursor).toBeNull();
    expect(all).toEqual(whole.body.raffles.map((r: { id: string }) => r.id));
    expect(all[0]).toBe('main');
    expect(new Set(all).size).toBe(all.length);
    const past = cursorAfter(all.length + 1, 'raffles', '') as string;
    const refused = await request(url, 'GET', `/api/raffles?cursor=${encodeURIComponent(past)}`);
    expect(refused.body.reason).toBe('invalid_cursor');
    expect((await request(url, 'GET', '/api/raffles?limit=0')).status).toBe(400);
  });
});

describe('Location', () => {
  it('every 201 names a path that answers 200 and shows what was created', async () => {
    const created = await request(url, 'POST', '/api/raffles', { id: 'located', name: 'L' });
    const seen: [string, string | null][] = [['raffles.create', created.headers.get('location')]];
    await request(url, 'POST', '/api/raffles/located/tickets', { username: 'ann', count: 3 });
    for (let i = 0; i < 2; i += 1) {
      const draw = await request(url, 'POST', '/api/raffles/located/draws');
      const location = draw.headers.get('location') as string;
      const shown = await request(url, 'GET', location);
      // The draw answer also names its randomness, which listings leave out.
      const { randomness, ...listed } = draw.body as Record<string, unknown>;
      expect(randomness).toBeDefined();
      expect(shown.body.draws, location).toEqual([listed]);
      seen.push(['draws.create', location]);
    }
    const prizeRaffle = await request(url, 'POST', '/api/prize-raffles', {
      id: 'located-prize',
      name: 'P',
      ticketCount: 1,
      prizes: [{ name: 'Car' }],
    });
    seen.push(['prizeRaffles.create', prizeRaffle.headers.get('location')]);
    const claim = await request(url, 'POST', '/api/prize-raffles/located-prize/entries');
    seen.push(['prizeRaffles.claim', claim.headers.get('location')]);
    const drawn = await request(url, 'POST', '/api/prize-raffles/located-prize/draws');
    seen.push(['prizeRaffles.draw', drawn.headers.get('location')]);
    const campaign = await request(url, 'POST', '/api/campaigns', {
      id: 'located-camp',
      name: 'C',
      ...window,
      prizes: [prize],
    });
    seen.push(['campaigns.create', campaign.headers.get('location')]);
    const phoneDraw = await request(url, 'POST', '/api/campaigns/located-camp/draws', {
      phone: '+65 9123 4567',
    });
    seen.push(['campaigns.draw', phoneDraw.headers.get('location')]);
    expect(seen.map(([, location]) => location)).toEqual([
      '/api/raffles/located',
      '/api/raffles/located/draws?limit=1',
      expect.stringMatching(/^\/api\/raffles\/located\/draws\?limit=1&cursor=1\./),
      '/api/prize-raffles/located-prize',
      '/api/prize-raffles/located-prize',
      '/api/prize-raffles/located-prize/winners',
      '/api/campaigns/located-camp',
      '/api/campaigns/located-camp/draws?phone=%2B6591234567',
    ]);
    for (const [name, location] of seen) {
      expect((await request(url, 'GET', location as string)).status, name).toBe(200);
    }
    const phoneDraws = await request(url, 'GET', seen.at(-1)?.[1] as string);
    expect(phoneDraws.body.draws.map((d: { drawId: number }) => d.drawId)).toContain(
      phoneDraw.body.drawId,
    );
  });
});

describe('request ids', () => {
  it('a sane X-Request-Id is echoed; a bad or missing one is replaced by a fresh one', async () => {
    const sane = await request(url, 'GET', '/api/raffles/main', undefined, {
      'x-request-id': 'client-42.a:b_c-d',
    });
    expect(sane.headers.get('x-request-id')).toBe('client-42.a:b_c-d');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const bad of ['has space', 'x'.repeat(129), 'a\\"b', '{"forged":1}']) {
      const reply = await request(url, 'GET', '/api/raffles/main', undefined, {
        'x-request-id': bad,
      });
      expect(reply.headers.get('x-request-id'), bad).toMatch(uuid);
    }
    const a = await request(url, 'GET', '/healthz');
    const b = await request(url, 'GET', '/healthz');
    expect(a.headers.get('x-request-id')).toMatch(uuid);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    // Refusals from every layer carry it too.
    for (const [method, path, body] of [
      ['GET', '/nowhere', undefined],
      ['GET', '/api/raffles/nowhere', undefined],
      ['POST', '/api/raffles/main/draws', 'null'],
      ['POST', '/api/raffles/main/tickets', '{'],
    ] as const) {
      const reply = await request(url, method, path, body, { 'x-request-id': 'refused-1' });
      expect(reply.status, path).toBeGreaterThanOrEqual(400);
      expect(reply.headers.get('x-request-id'), path).toBe('refused-1');
    }
  });

  it('every log line of a request carries its id', async () => {
    const id = `logged-${Date.now()}`;
    await request(url, 'GET', '/api/raffles/absent', undefined, { 'x-request-id': id });
    await request(
      url,
      'POST',
      '/api/raffles/main/tickets',
      { username: 'ann', count: 1 },
      {
        'x-request-id': `${id}-ok`,
      },
    );
    const mine = lines.filter((line) => JSON.stringify(line).includes(id));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const line of mine)
      expect([id, `${id}-ok`], JSON.stringify(line)).toContain(line.requestId);
  });
});

describe('Idempotent-Replayed', () => {
  it('marks a retry answered from its key, success or refusal, and nothing else', async () => {
    const key = { 'idempotency-key': `replay-${Date.now()}` };
    const body = { username: 'replayer', count: 2 };
    const first = await request(url, 'POST', '/api/raffles/main/tickets', body, key);
    const again = await request(url, 'POST', '/api/raffles/main/tickets', body, key);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const refusedKey = { 'idempotency-key': `replay-refused-${Date.now()}` };
    const refused = await request(
      url,
      'POST',
      '/api/raffles',
      { id: 'main', name: 'x' },
      refusedKey,
    );
    const refusedAgain = await request(
      url,
      'POST',
      '/api/raffles',
      { id: 'main', name: 'x' },
      refusedKey,
    );
    expect(refused.body.reason).toBe('raffle_id_taken');
    expect(refused.headers.get('idempotent-replayed')).toBeNull();
    expect(refusedAgain.body.reason).toBe('raffle_id_taken');
    expect(refusedAgain.headers.get('idempotent-replayed')).toBe('true');
    const unkeyed = await request(url, 'POST', '/api/raffles/main/tickets', body);
    expect(unkeyed.headers.get('idempotent-replayed')).toBeNull();
    const reused = await request(
      url,
      'POST',
      '/api/raffles/main/tickets',
      { ...body, count: 3 },
      key,
    );
    expect(reused.body.reason).toBe('idempotency_key_reused');
    expect(reused.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('content type', () => {
  it('every JSON answer, from every layer, says exactly application/json', async () => {
    const answers = [
      await request(url, 'GET', '/healthz'),
      await request(url, 'GET', '/openapi.json'),
      await request(url, 'GET', '/api/raffles'),
      await request(url, 'GET', '/api/raffles/absent'),
      await request(url, 'GET', '/nowhere'),
      await request(url, 'DELETE', '/api/raffles'),
      await request(url, 'POST', '/api/raffles/main/tickets', '{'),
      await request(url, 'POST', '/api/raffles/main/tickets', 'x', {
        'content-type': 'text/plain',
      }),
      await request(url, 'GET', '/trpc/raffles.get?input=%7B%7D'),
      await request(url, 'GET', '/trpc/nothing'),
    ];
    for (const answer of answers) {
      expect(answer.headers.get('content-type')).toBe('application/json');
      expect(typeof answer.body).toBe('object');
    }
  });
});
