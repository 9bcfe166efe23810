import { describe, expect, it } from 'vitest';
import { checkRaffleInvariants } from '../../load/runner/invariants.js';

type Listing = { username: unknown; tickets: unknown }[];

/**
 * A fake REST API for one raffle: the figures it reports and a listing served in pages of `pageSize`
 * (cursors are offsets), so the checker can be shown inconsistent data.
 */
function fakeFetch(figures: Record<string, unknown>, listing: Listing, pageSize = 2): typeof fetch {
  return (input: string | URL | Request) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    );
    const json = (body: unknown, status = 200) =>
      Promise.resolve(
        new Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json' },
        }),
      );
    if (url.pathname === '/api/raffles/r1') return json({ id: 'r1', drawCount: 0, ...figures });
    if (url.pathname === '/api/raffles/r1/participants') {
      const from = Number(url.searchParams.get('cursor') ?? '0');
      const to = from + pageSize;
      return json({
        participants: listing.slice(from, to),
        nextCursor: to < listing.length ? String(to) : null,
      });
    }
    return json({ reason: 'route_not_found' }, 404);
  };
}

const check = (figures: Record<string, unknown>, listing: Listing, expected = {}) =>
  checkRaffleInvariants({
    baseUrl: 'http://fake',
    raffleId: 'r1',
    expected,
    fetch: fakeFetch(figures, listing),
  });

const consistent: Listing = [
  { username: 'a', tickets: 3 },
  { username: 'b', tickets: 1 },
  { username: 'c', tickets: 2 },
];

describe('invariant check of a raffle', () => {
  it('invariants: a consistent listing over several pages passes', async () => {
    const report = await check({ totalTickets: 6, participantCount: 3 }, consistent, {
      totalTickets: 6,
      drawCount: 0,
    });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report).toMatchObject({ participantsListed: 3, ticketsListed: 6, pages: 2 });
    expect(report.compared).toEqual(['totalTickets', 'drawCount']);
  });

  it.each([
    [
      'sum differs from totalTickets',
      { totalTickets: 7, participantCount: 3 },
      consistent,
      /sum to 6, but totalTickets is 7/,
    ],
    [
      'count differs from participantCount',
      { totalTickets: 6, participantCount: 4 },
      consistent,
      /3 participants listed, but participantCount is 4/,
    ],
    [
      'a username listed twice',
      { totalTickets: 7, participantCount: 4 },
      [...consistent, { username: 'a', tickets: 1 }],
      /'a' appears twice/,
    ],
    [
      'a zero balance',
      { totalTickets: 6, participantCount: 4 },
      [...consistent, { username: 'd', tickets: 0 }],
      /'d' holds 0 tickets/,
    ],
    [
      'a fractional balance',
      { totalTickets: 6.5, participantCount: 4 },
      [...consistent.slice(0, 2), { username: 'c', tickets: 2.5 }],
      /'c' holds 2.5 tickets/,
    ],
  ])('invariants: %s fails', async (_name, figures, listing, problem) => {
    const report = await check(figures, listing);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(problem);
  });

  it('invariants: figures that disagree with the run’s own accounting fail', async () => {
    const report = await check({ totalTickets: 6, participantCount: 3, drawCount: 1 }, consistent, {
      totalTickets: 5,
      drawCount: 2,
    });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      'tickets issued minus draws is 5, but totalTickets is 6',
      '2 draws succeeded, but drawCount is 1',
    ]);
  });

  it('invariants: a raffle that cannot be read fails', async () => {
    const report = await checkRaffleInvariants({
      baseUrl: 'http://fake',
      raffleId: 'nope',
      fetch: fakeFetch({}, []),
    });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatch(/answered 404/);
  });
});
