/**
 * Assertions and small steps the end-to-end tests share, so that a refusal, a fresh raffle or a
 * full listing is checked the same way everywhere.
 */
import { expect } from 'vitest';
import { request } from './server.js';

export type Reply = Awaited<ReturnType<typeof request>>;

/**
 * A refusal as every error body carries it: the status, the stable reason at the top and in
 * `data`, and a human message.
 */
export function expectRefusal(
  reply: { status: number; body: any },
  status: number,
  reason: string,
) {
  expect({ status: reply.status, reason: reply.body?.reason }, JSON.stringify(reply.body)).toEqual({
    status,
    reason,
  });
  expect(typeof reply.body.message).toBe('string');
  expect(reply.body.data?.reason).toBe(reason);
}

let raffleCounter = 0;

/** Creates a raffle with a new id (`<prefix>-<n>`) so a test starts from a known, empty state. */
export async function freshRaffle(baseUrl: string, prefix = 'test'): Promise<string> {
  raffleCounter += 1;
  const id = `${prefix}-${raffleCounter}`;
  const reply = await request(baseUrl, 'POST', '/api/raffles', { id, name: `Raffle ${id}` });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return id;
}

/** Every participant of a raffle, page after page, following `nextCursor`. */
export async function allParticipants(
  baseUrl: string,
  raffleId: string,
  limit = 1000,
): Promise<{ username: string; tickets: number }[]> {
  const participants: { username: string; tickets: number }[] = [];
  let cursor: string | null = null;
  for (;;) {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const reply = await request(
      baseUrl,
      'GET',
      `/api/raffles/${raffleId}/participants?limit=${limit}${query}`,
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    participants.push(...reply.body.participants);
    cursor = reply.body.nextCursor;
    if (cursor === null) return participants;
  }
}

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
