/**
 * Page size and cursors of the listings. `limit` is a decimal whole number in range, nothing
 * that merely converts to one; a cursor is a previous page's `nextCursor`, and anything else —
 * garbage, a number typed by hand, a cursor beyond every position issued, or one issued for
 * another raffle or listing — is 400 `invalid_cursor`. Real cursors walk every participant once,
 * also across new arrivals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRaffleClient, reasonOf } from '../../client/src/index.js';
import { cursorAfter } from '../../src/api/paging.js';
import type { RunningServer } from '../../src/server/server.js';
import { allParticipants, expectRefusal, freshRaffle } from '../support/assertions.js';
import { request, startTestServer } from '../support/server.js';

let running: RunningServer;
let raffle: string;
let other: string;

beforeAll(async () => {
  running = await startTestServer();
  raffle = await freshRaffle(running.url, 'paged');
  other = await freshRaffle(running.url, 'paged');
  for (const id of [raffle, other]) {
    for (let i = 0; i < 7; i += 1) {
      const issued = await request(running.url, 'POST', `/api/raffles/${id}/tickets`, {
        username: `p${i}`,
        // Enough tickets that the five draws below leave everyone in the listing.
        count: 10,
      });
      expect(issued.status).toBe(200);
    }
    for (let i = 0; i < 5; i += 1) {
      expect((await request(running.url, 'POST', `/api/raffles/${id}/draws`)).status).toBe(201);
    }
  }
});

afterAll(async () => {
  await running.close();
});

const get = (path: string) => request(running.url, 'GET', `/api${path}`);

/** The first page's `nextCursor` of a listing, with pages of two. */
async function firstCursor(listing: 'participants' | 'draws', id = raffle): Promise<string> {
  const page = await get(`/raffles/${id}/${listing}?limit=2`);
  expect(page.status).toBe(200);
  expect(typeof page.body.nextCursor).toBe('string');
  return page.body.nextCursor as string;
}

describe('limit', () => {
  it.each([
    '0x10',
    '1e1',
    '1E1',
    '0b11',
    '0o7',
    ' 10',
    '10 ',
    '+5',
    '5.0',
    '1.5',
    'ten',
    '-1',
    '0',
    '1001',
    '99999999999',
    'Infinity',
  ])('participants: limit=%j is 400 invalid_input', async (limit) => {
    const reply = await get(`/raffles/${raffle}/participants?limit=${encodeURIComponent(limit)}`);
    expectRefusal(reply, 400, 'invalid_input');
  });

  it.each(['0x10', '1e1'])('draws: limit=%s is 400 invalid_input', async (limit) => {
    expectRefusal(await get(`/raffles/${raffle}/draws?limit=${limit}`), 400, 'invalid_input');
  });

  // Every listing shares one page schema, so the other kinds' listings read `limit` as strictly.
  it.each([
    ['prize-raffles', '0x10'],
    ['prize-raffles', '1e1'],
    ['campaigns', '0x10'],
    ['campaigns', ' 10'],
  ])('%s: limit=%j is 400 invalid_input', async (listing, limit) => {
    expectRefusal(
      await get(`/${listing}?limit=${encodeURIComponent(limit)}`),
      400,
      'invalid_input',
    );
  });

  // An empty `limit=` is no limit at all (the REST adapter drops empty query values).
  it.each([
    ['', 7],
    ['1', 1],
    ['3', 3],
    ['007', 7],
    ['1000', 7],
  ])('participants: limit=%s pages by that many', async (limit, size) => {
    const reply = await get(`/raffles/${raffle}/participants?limit=${limit}`);
    expect(reply.status).toBe(200);
    expect(reply.body.participants).toHaveLength(size);
  });

  it('tRPC: limit stays a number', async () => {
    const client = createRaffleClient({ url: running.url });
    const page = await client.participants.list.query({ raffleId: raffle, limit: 3 });
    expect(page.participants).toHaveLength(3);
  });
});

describe('cursors', () => {
  it.each([
    ['garbage', 'abc'],
    ['a number typed by hand', '2'],
    ['a position beyond anything issued', '99999999'],
    ['zero', '0'],
    ['a negative number', '-1'],
    ['a fraction', '1.5'],
    ['the old decimal form with a check of another position', '2.AAAAAAAAAAA'],
  ])('participants and draws: %s is 400 invalid_cursor', async (_label, cursor) => {
    for (const listing of ['participants', 'draws']) {
      const reply = await get(`/raffles/${raffle}/${listing}?cursor=${encodeURIComponent(cursor)}`);
      expectRefusal(reply, 400, 'invalid_cursor');
    }
  });

  it('a cursor longer than any issued is 400 invalid_input', async () => {
    const reply = await get(`/raffles/${raffle}/participants?cursor=${'x'.repeat(200)}`);
    expectRefusal(reply, 400, 'invalid_input');
  });

  it('an issued cursor with its position or its check altered is 400 invalid_cursor', async () => {
    for (const listing of ['participants', 'draws'] as const) {
      const cursor = await firstCursor(listing);
      const [position, check] = cursor.split('.') as [string, string];
      const flipped = `${check[0] === 'A' ? 'B' : 'A'}${check.slice(1)}`;
      for (const altered of [
        `${Number(position) + 1}.${check}`,
        `${position}.${flipped}`,
        position,
      ]) {
        const reply = await get(
          `/raffles/${raffle}/${listing}?cursor=${encodeURIComponent(altered)}`,
        );
        expectRefusal(reply, 400, 'invalid_cursor');
      }
    }
  });

  it('a cursor of another raffle or another listing is 400 invalid_cursor', async () => {
    const participantsCursor = await firstCursor('participants');
    const drawsCursor = await firstCursor('draws');
    const cases = [
      [`/raffles/${other}/participants`, participantsCursor],
      [`/raffles/${other}/draws`, drawsCursor],
      [`/raffles/${raffle}/draws`, participantsCursor],
      [`/raffles/${raffle}/participants`, drawsCursor],
    ];
    for (const [path, cursor] of cases) {
      expectRefusal(
        await get(`${path}?cursor=${encodeURIComponent(cursor!)}`),
        400,
        'invalid_cursor',
      );
    }
  });

  it('draws: a well-formed cursor at or past the last draw is 400 invalid_cursor', async () => {
    // A draws cursor is only issued when more draws follow, and the history never shrinks, so a
    // cursor naming the last draw (or any later one) was never issued.
    const history = await get(`/raffles/${raffle}/draws?limit=1000`);
    const drawCount = (history.body.draws as unknown[]).length;
    for (const position of [drawCount, drawCount + 1, 99_999_999]) {
      const cursor = cursorAfter(position, 'draws', raffle) as string;
      const reply = await get(`/raffles/${raffle}/draws?cursor=${encodeURIComponent(cursor)}`);
      expectRefusal(reply, 400, 'invalid_cursor');
    }
    const before = cursorAfter(drawCount - 1, 'draws', raffle) as string;
    const last = await get(`/raffles/${raffle}/draws?cursor=${encodeURIComponent(before)}`);
    expect(last.status).toBe(200);
    expect(last.body.draws).toHaveLength(1);
  });

  it('issued cursors walk every participant once, also when newcomers arrive meanwhile', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await get(`/raffles/${raffle}/participants?limit=2${query}`);
      expect(page.status).toBe(200);
      seen.push(...(page.body.participants as { username: string }[]).map((p) => p.username));
      cursor = page.body.nextCursor;
      pages += 1;
      if (pages === 1) {
        await request(running.url, 'POST', `/api/raffles/${raffle}/tickets`, {
          username: 'late',
          count: 1,
        });
      }
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.at(-1)).toBe('late');
    expect(seen.sort()).toEqual(
      (await allParticipants(running.url, raffle)).map((p) => p.username).sort(),
    );
  });

  it('tRPC: a garbage cursor is invalid_cursor, an issued one works', async () => {
    const client = createRaffleClient({ url: running.url });
    const refused = await client.draws.list
      .query({ raffleId: raffle, cursor: '12' })
      .then(() => 'listed', reasonOf);
    expect(refused).toBe('invalid_cursor');
    const first = await client.draws.list.query({ raffleId: raffle, limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    const second = await client.draws.list.query({
      raffleId: raffle,
      limit: 2,
      cursor: first.nextCursor ?? undefined,
    });
    expect(second.draws[0]?.drawId).toBe(3);
  });
});
