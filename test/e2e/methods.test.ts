/**
 * HTTP methods: a path that exists, asked with a method it does not answer, is 405 with an
 * `Allow` header naming the methods it does answer (REST and the service endpoints); OPTIONS
 * lists them; HEAD answers exactly as GET would, status and headers, without a body, on every
 * surface; an unknown path stays 404 whatever the method.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { expectRefusal } from '../support/assertions.js';
import { rawRequest, startTestServer } from '../support/server.js';

let running: RunningServer;

beforeAll(async () => {
  running = await startTestServer();
  const issued = await rawRequest(running.url, 'POST', '/api/raffles/main/tickets', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', count: 3 }),
  });
  expect(issued.status).toBe(200);
});

afterAll(async () => {
  await running.close();
});

const send = (method: string, path: string, body?: string) =>
  rawRequest(running.url, method, path, {
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });

const allowOf = (reply: { headers: { allow?: string | undefined } }) =>
  (reply.headers.allow ?? '')
    .split(',')
    .map((method) => method.trim())
    .sort();

describe('405 with Allow', () => {
  it.each([
    ['PUT', '/api/raffles/main/tickets', ['OPTIONS', 'POST']],
    ['GET', '/api/raffles/main/tickets', ['OPTIONS', 'POST']],
    ['DELETE', '/api/raffles/main', ['GET', 'HEAD', 'OPTIONS']],
    ['PATCH', '/api/raffles', ['GET', 'HEAD', 'OPTIONS', 'POST']],
    ['DELETE', '/api/raffles/main/draws', ['GET', 'HEAD', 'OPTIONS', 'POST']],
    ['POST', '/api/raffles/main/participants/alice', ['GET', 'HEAD', 'OPTIONS']],
    ['PUT', '/api/raffles/main/transfers/bulk/', ['OPTIONS', 'POST']],
    ['POST', '/healthz', ['GET', 'HEAD', 'OPTIONS']],
    ['DELETE', '/metrics', ['GET', 'HEAD', 'OPTIONS']],
    ['PUT', '/openapi.json', ['GET', 'HEAD', 'OPTIONS']],
  ])('%s %s is 405 method_not_supported', async (method, path, allowed) => {
    const before = running.engine.stats().appliedSeq;
    // A body of the wrong kind must not matter: the method is refused first.
    const reply = await send(method, path, '{"count":');
    expectRefusal(reply, 405, 'method_not_supported');
    expect(allowOf(reply)).toEqual(allowed);
    expect(running.engine.stats().appliedSeq).toBe(before);
  });

  it('OPTIONS on a REST path is 204 with Allow', async () => {
    const reply = await send('OPTIONS', '/api/raffles/main/draws');
    expect(reply.status).toBe(204);
    expect(allowOf(reply)).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
  });

  it.each([
    ['PUT', '/api/nowhere'],
    ['DELETE', '/api/raffles/main/tickets/extra/segments'],
    ['GET', '/nowhere'],
  ])('%s %s on an unknown path stays 404 route_not_found', async (method, path) => {
    expectRefusal(await send(method, path), 404, 'route_not_found');
  });

  it('tRPC: a query called with POST is 405 with Allow: GET', async () => {
    const reply = await send('POST', '/trpc/raffles.list', '{}');
    expect(reply.status).toBe(405);
    expect(reply.body.error.json.data.reason).toBe('method_not_supported');
    expect(allowOf(reply)).toEqual(['GET']);
  });
});

describe('HEAD answers as GET without a body', () => {
  it.each([
    '/api/raffles',
    '/api/raffles/main',
    '/api/raffles/main/participants?limit=2',
    '/api/raffles/main/participants/alice',
    '/api/raffles/main/draws',
    '/api/raffles/no-such-raffle',
    '/api/raffles/main/participants/nobody',
    '/api/nowhere',
    '/healthz',
    '/openapi.json',
    '/trpc/raffles.get?input=%7B%22json%22%3A%7B%22raffleId%22%3A%22main%22%7D%7D',
    '/trpc/raffles.get?input=%7B%22json%22%3A%7B%22raffleId%22%3A%22nope%22%7D%7D',
  ])('HEAD %s', async (path) => {
    const get = await send('GET', path);
    const head = await send('HEAD', path);
    expect(head.status).toBe(get.status);
    expect(head.text).toBe('');
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    if (get.headers['content-length'] !== undefined) {
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
    }
  });

  it('HEAD on a POST-only path is 405 with Allow, without a body', async () => {
    const reply = await send('HEAD', '/api/raffles/main/tickets');
    expect(reply.status).toBe(405);
    expect(reply.text).toBe('');
    expect(allowOf(reply)).toEqual(['OPTIONS', 'POST']);
  });
});
