/**
 * Bulk issue and transfer: each item applied in order as its own operation, with its own result
 * or reason, in one command; the same answers the single endpoints give for the same sequence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRaffleClient } from '../../client/src/index.js';
import type { RunningServer } from '../../src/server/server.js';
import { freshRaffle } from '../support/assertions.js';
import { RecordingLog, request, startTestServer } from '../support/server.js';

let running: RunningServer;
const log = new RecordingLog();

beforeAll(async () => {
  running = await startTestServer({ bulkItemsMax: 50 }, { log });
});

afterAll(async () => {
  await running.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  request(running.url, 'POST', `/api${path}`, body, headers);

async function balances(raffleId: string) {
  const reply = await request(
    running.url,
    'GET',
    `/api/raffles/${raffleId}/participants?limit=1000`,
  );
  return reply.body.participants as { username: string; tickets: number }[];
}

const issues = [
  { username: 'ann', count: 5 },
  { username: 'bob', count: 2 },
  { username: 'ann', count: 1 },
];
const transfers = [
  { from: 'ann', to: 'cy', count: 4 }, // applied: ann 6 → 2
  { from: 'ann', to: 'cy', count: 3 }, // refused: ann holds 2
  { from: 'bob', to: 'bob', count: 1 }, // refused: to self
  { from: 'zed', to: 'cy', count: 1 }, // refused: unknown donor
  { from: 'cy', to: 'dee', count: 4 }, // applied, and cy leaves
  { from: 'cy', to: 'ann', count: 1 }, // refused: cy left by the item before
];

describe('bulk endpoints', () => {
  it('apply each item in order, with the answers the single endpoints give', async () => {
    const bulk = await freshRaffle(running.url, 'bulk');
    const single = await freshRaffle(running.url, 'bulk');
    const issued = await post(`/raffles/${bulk}/tickets/bulk`, { items: issues });
    const moved = await post(`/raffles/${bulk}/transfers/bulk`, { items: transfers });
    expect([issued.status, moved.status]).toEqual([200, 200]);

    const singleIssues = [];
    for (const item of issues) singleIssues.push(await post(`/raffles/${single}/tickets`, item));
    const singleTransfers = [];
    for (const item of transfers) {
      singleTransfers.push(await post(`/raffles/${single}/transfers`, item));
    }
    const asResult = (reply: { status: number; body: any }) =>
      reply.status === 200
        ? { ok: true, value: reply.body }
        : {
            ok: false,
            reason: reply.body.reason,
            // The same sentence, naming the other raffle.
            message: String(reply.body.message).replace(`'${single}'`, `'${bulk}'`),
          };
    expect(issued.body).toEqual({ applied: 3, refused: 0, results: singleIssues.map(asResult) });
    expect(moved.body.results).toEqual(singleTransfers.map(asResult));
    expect(moved.body).toMatchObject({ applied: 2, refused: 4 });
    expect(moved.body.results.map((result: { reason?: string }) => result.reason)).toEqual([
      undefined,
      'insufficient_tickets',
      'transfer_to_self',
      'participant_not_found',
      undefined,
      'participant_not_found',
    ]);
    expect(await balances(bulk)).toEqual(await balances(single));
  });

  it('is one command in the log however many items it carries', async () => {
    const raffle = await freshRaffle(running.url, 'bulk');
    const before = log.commands.length;
    const items = Array.from({ length: 50 }, (_, i) => ({ username: `u${i}`, count: 1 }));
    expect((await post(`/raffles/${raffle}/tickets/bulk`, { items })).status).toBe(200);
    const logged = log.commands.slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.command).toMatchObject({ type: 'issueBulk', raffleId: raffle, items });
  });

  it('refuses a whole request that is invalid or names an unknown raffle, changing nothing', async () => {
    const raffle = await freshRaffle(running.url, 'bulk');
    const cases: [string, unknown, number, string][] = [
      [`/raffles/${raffle}/tickets/bulk`, { items: [] }, 400, 'invalid_input'],
      [`/raffles/${raffle}/tickets/bulk`, {}, 400, 'invalid_input'],
      [
        `/raffles/${raffle}/tickets/bulk`,
        { items: Array.from({ length: 51 }, () => ({ username: 'a', count: 1 })) },
        400,
        'invalid_input',
      ],
      [
        `/raffles/${raffle}/tickets/bulk`,
        {
          items: [
            { username: 'a', count: 1 },
            { username: 'b', count: 0 },
          ],
        },
        400,
        'invalid_input',
      ],
      [
        `/raffles/${raffle}/transfers/bulk`,
        { items: [{ from: 'a', to: '', count: 1 }] },
        400,
        'invalid_input',
      ],
      // Counts in items stay strict JSON numbers too (trpc-to-openapi coerces inside arrays).
      ...['5', true, [3], 1.5, null].map((count): [string, unknown, number, string] => [
        `/raffles/${raffle}/tickets/bulk`,
        { items: [{ username: 'a', count }] },
        400,
        'invalid_input',
      ]),
      [
        '/raffles/nowhere/tickets/bulk',
        { items: [{ username: 'a', count: 1 }] },
        404,
        'raffle_not_found',
      ],
      [
        '/raffles/nowhere/transfers/bulk',
        { items: [{ from: 'a', to: 'b', count: 1 }] },
        404,
        'raffle_not_found',
      ],
    ];
    for (const [path, body, status, reason] of cases) {
      const reply = await post(path, body);
      expect({ path, status: reply.status, reason: reply.body.reason }).toEqual({
        path,
        status,
        reason,
      });
    }
    expect(await balances(raffle)).toEqual([]);
  });

  it('takes an idempotency key: a retried bulk is applied once', async () => {
    const raffle = await freshRaffle(running.url, 'bulk');
    const first = await post(
      `/raffles/${raffle}/tickets/bulk`,
      { items: issues },
      { 'Idempotency-Key': 'bulk-once' },
    );
    const again = await post(
      `/raffles/${raffle}/tickets/bulk`,
      { items: issues },
      { 'Idempotency-Key': 'bulk-once' },
    );
    expect(again.body).toEqual(first.body);
    expect(await balances(raffle)).toEqual([
      { username: 'ann', tickets: 6 },
      { username: 'bob', tickets: 2 },
    ]);
    const other = await post(
      `/raffles/${raffle}/tickets/bulk`,
      { items: issues.slice(1) },
      { 'Idempotency-Key': 'bulk-once' },
    );
    expect([other.status, other.body.reason]).toEqual([422, 'idempotency_key_reused']);
  });

  it('works through the typed client', async () => {
    const client = createRaffleClient({ url: running.url });
    const raffle = await freshRaffle(running.url, 'bulk');
    const issued = await client.tickets.issueBulk.mutate({ raffleId: raffle, items: issues });
    expect(issued.applied).toBe(3);
    const moved = await client.transfers.createBulk.mutate({ raffleId: raffle, items: transfers });
    const first = moved.results[0];
    expect(first?.ok && first.value.to).toEqual({ username: 'cy', tickets: 4 });
    const second = moved.results[1];
    expect(second?.ok === false && second.reason).toBe('insufficient_tickets');
  });
});
