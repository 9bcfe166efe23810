/**
 * The HTTP metrics every answer feeds, on a server of its own so the counts are exact: requests
 * by surface and status class, and the duration histogram by surface, whichever way the request
 * was served (the fast path for procedures, express for the rest) and whether it was answered or
 * refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { request, startTestServer } from '../support/server.js';

let running: RunningServer;

beforeAll(async () => {
  running = await startTestServer();
});

afterAll(async () => {
  await running.close();
});

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('HTTP metrics', () => {
  it('count every answer by surface and status class, and time it', async () => {
    const created = await request(running.url, 'POST', '/api/raffles', { name: 'metrics' });
    expect(created.status).toBe(201);
    const raffleId = (created.body as { id: string }).id;
    for (let i = 0; i < 5; i += 1) {
      const issued = await request(running.url, 'POST', `/api/raffles/${raffleId}/tickets`, {
        username: `u${i}`,
        count: 1,
      });
      expect(issued.status).toBe(200);
    }
    const refused = await request(running.url, 'POST', `/api/raffles/${raffleId}/tickets`, {
      username: 'u0',
      count: -1,
    });
    expect(refused.status).toBe(400);
    expect((await request(running.url, 'GET', '/api/nope')).status).toBe(404);
    const trpc = await fetch(
      `${running.url}/trpc/raffles.get?input=${encodeURIComponent(JSON.stringify({ json: { raffleId } }))}`,
    );
    expect(trpc.status).toBe(200);
    await trpc.arrayBuffer();
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);

    const text = await (await fetch(`${running.url}/metrics`)).text();
    expect(sample(text, 'http_requests_total', 'surface="api",status="2xx"')).toBe(6);
    expect(sample(text, 'http_requests_total', 'surface="api",status="4xx"')).toBe(2);
    expect(sample(text, 'http_requests_total', 'surface="trpc",status="2xx"')).toBe(1);
    expect(sample(text, 'http_requests_total', 'surface="other",status="2xx"')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', 'surface="api"')).toBe(8);
    expect(sample(text, 'http_request_duration_seconds_count', 'surface="trpc"')).toBe(1);
    const apiSeconds = sample(text, 'http_request_duration_seconds_sum', 'surface="api"');
    expect(apiSeconds).toBeGreaterThan(0);
    expect(apiSeconds).toBeLessThan(60);
    // Every answer is counted once: the +Inf bucket holds them all.
    expect(sample(text, 'http_request_duration_seconds_bucket', 'le="+Inf",surface="api"')).toBe(8);
  });
});
