import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { request, startTestServer } from '../support/server.js';

let running: RunningServer;
beforeAll(async () => {
  running = await startTestServer();
});
afterAll(() => running.close());

describe('REST path parameters', () => {
  it.each([
    ['zo\u00eb'],
    ['a/b'],
    ['100%'],
    ['100%25'],
    ['\u{1F600} party'],
    ['?x=1#y'],
    ['\u{1F469}\u{200D}\u{1F4BB}'.repeat(5)],
  ])('participants.get: %s is found by its percent-encoded name', async (username) => {
    const issued = await request(running.url, 'POST', '/api/raffles/main/tickets', {
      username,
      count: 2,
    });
    expect(issued.status).toBe(200);
    const found = await request(
      running.url,
      'GET',
      `/api/raffles/main/participants/${encodeURIComponent(username)}`,
    );
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ username, tickets: 2 });
  });

  it('participants.get: a decomposed (NFD) spelling in the path finds the NFC participant', async () => {
    await request(running.url, 'POST', '/api/raffles/main/tickets', {
      username: 'ren\u00e9',
      count: 1,
    });
    const found = await request(
      running.url,
      'GET',
      `/api/raffles/main/participants/${encodeURIComponent('rene\u0301')}`,
    );
    expect(found.status).toBe(200);
    expect(found.body.username).toBe('ren\u00e9');
  });

  it('participants.get: malformed percent-encoding is 400 invalid_input', async () => {
    const response = await request(running.url, 'GET', '/api/raffles/main/participants/%E0%A4%A');
    expect(response.status).toBe(400);
    expect(response.body.reason).toBe('invalid_input');
  });

  it('tRPC: a name with a literal percent sequence is taken as written, not decoded', async () => {
    const input = encodeURIComponent(
      JSON.stringify({ json: { raffleId: 'main', username: '100%25' } }),
    );
    const response = await request(running.url, 'GET', `/trpc/participants.get?input=${input}`);
    expect(response.status).toBe(200);
    expect(response.body.result.data.json).toEqual({ username: '100%25', tickets: 2 });
  });
});
