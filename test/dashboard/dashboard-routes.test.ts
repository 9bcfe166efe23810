/**
 * The dashboard's HTTP side without a browser: the event stream carries the API's figures and
 * the draws as they happen, and ends when the service stops (so shutdown does not wait on it);
 * the session answer follows the API's operator rule; files are served compressed with a strict
 * content policy; other methods and names are refused like the rest of the service refuses them.
 * Plus the latency quantile the charts show, read from histogram buckets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantileMs } from '../../src/server/dashboard/metrics-sampler.js';
import type { RunningServer } from '../../src/server/server.js';
import { buildDashboard } from '../support/browser.js';
import { asListed } from '../support/randomness.js';
import { rawRequest, request, startTestServer } from '../support/server.js';

/** Reads server-sent events from a stream until `until` says enough. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  until: (events: { event: string; data: any }[]) => boolean,
) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: any }[] = [];
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
    }
  }
  return { events, reader };
}

describe('dashboard routes', () => {
  const token = 'routes-test-token-0123456789abcdef';
  let server: RunningServer;
  let visitorServer: RunningServer;
  beforeAll(async () => {
    buildDashboard();
    [server, visitorServer] = await Promise.all([
      startTestServer(),
      startTestServer({ managerIps: [], managerToken: token }),
    ]);
  });
  afterAll(async () => {
    await server?.close();
    await visitorServer?.close();
  });

  it('streams the API figures and each new draw, live', async () => {
    const response = await fetch(`${server.url}/dashboard/events`);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = response.body as ReadableStream<Uint8Array>;
    const first = await readEvents(body, (events) => events.some((e) => e.event === 'overview'));
    const overview = first.events.find((e) => e.event === 'overview')?.data;
    const api = (await request(server.url, 'GET', '/api/raffles')).body.raffles;
    expect(overview.ledger.raffles).toEqual(api);
    first.reader.releaseLock();

    await request(server.url, 'POST', '/api/raffles/main/tickets', { username: 'zoe', count: 2 });
    const draw = (await request(server.url, 'POST', '/api/raffles/main/draws')).body;
    const later = await readEvents(body, (events) => events.some((e) => e.event === 'draw'));
    const drawEvent = later.events.find((e) => e.event === 'draw')?.data;
    // The feed shows the draw as the draw history lists it, without the answer's randomness.
    expect(drawEvent).toEqual({
      kind: 'ledger',
      raffleId: 'main',
      raffleName: api[0].name,
      draw: asListed(draw),
    });
    await later.reader.cancel();
  });

  it('tells the page whether the caller is an operator, by the API rule', async () => {
    expect((await request(server.url, 'GET', '/dashboard/session')).body).toEqual({
      operator: true,
    });
    expect((await request(visitorServer.url, 'GET', '/dashboard/session')).body).toEqual({
      operator: false,
    });
    const withToken = await request(visitorServer.url, 'GET', '/dashboard/session', undefined, {
      authorization: `Bearer ${token}`,
    });
    expect(withToken.body).toEqual({ operator: true });
  });

  it('serves its files compressed under a strict policy, and refuses the rest', async () => {
    const page = await rawRequest(server.url, 'GET', '/dashboard', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const script = await request(server.url, 'GET', '/dashboard/app.js');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const head = await rawRequest(server.url, 'HEAD', '/dashboard/events');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const posted = await request(server.url, 'POST', '/dashboard/session', {});
    expect(posted.status).toBe(405);
    expect(posted.body.reason).toBe('method_not_supported');
    const unknown = await request(server.url, 'GET', '/dashboard/../package.json');
    expect(unknown.status).toBe(404);
    const missing = await request(server.url, 'GET', '/dashboard/secrets.js');
    expect(missing.status).toBe(404);
    expect(missing.body.reason).toBe('route_not_found');
  });

  it('ends its event streams when the service stops', async () => {
    const stopping = await startTestServer({ shutdownGraceMs: 20_000 });
    const response = await fetch(`${stopping.url}/dashboard/events`);
    const body = response.body as ReadableStream<Uint8Array>;
    const { reader } = await readEvents(body, (events) => events.length > 0);
    const closed = stopping.close();
    // The stream ends (done) rather than holding the drain until the grace period runs out.
    for (;;) if ((await reader.read()).done) break;
    await closed;
  });
});

describe('quantileMs', () => {
  it('is the upper bound of the bucket where the cumulative count passes the quantile', () => {
    const buckets = [
      [0.001, 10],
      [0.005, 90],
      [0.01, 99],
      [0.05, 100],
      [Number.POSITIVE_INFINITY, 100],
    ] as const;
    expect(quantileMs(buckets, 0.5)).toBe(5);
    expect(quantileMs(buckets, 0.99)).toBe(10);
    expect(quantileMs(buckets, 1)).toBe(50);
    expect(quantileMs([[0.001, 0]], 0.5)).toBeNull();
  });
});
