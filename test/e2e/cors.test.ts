/**
 * CORS over node's fetch: preflights answered for listed origins (and only their allow headers
 * for them), the exposed headers on real answers, nothing at all by default, and the
 * `CORS_ORIGINS` setting checked at start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corsExposedHeaders } from '../../src/server/cors.js';
import { parseEnv } from '../../src/server/env.js';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer } from '../support/server.js';

const app = 'http://app.example:8080';
let listed: RunningServer;
let closed: RunningServer;

beforeAll(async () => {
  [listed, closed] = await Promise.all([
    startTestServer({ corsOrigins: [app, 'https://other.example'] }),
    startTestServer(),
  ]);
});

afterAll(async () => {
  await Promise.all([listed.close(), closed.close()]);
});

function preflight(base: string, path: string, origin: string, method = 'POST') {
  return fetch(`${base}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'content-type,idempotency-key,x-request-id',
    },
  });
}

describe('CORS', () => {
  it('answers a preflight of a listed origin on every kind of path with what it may send', async () => {
    for (const path of [
      '/api/raffles/main/draws',
      '/api/prize-raffles',
      '/trpc/raffles.list',
      '/healthz',
    ]) {
      const reply = await preflight(listed.url, path, app);
      expect(reply.status, path).toBe(204);
      expect(reply.headers.get('access-control-allow-origin')).toBe(app);
      expect(reply.headers.get('access-control-allow-methods')).toContain('POST');
      const allowed = (reply.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      for (const header of ['content-type', 'idempotency-key', 'x-request-id', 'authorization']) {
        expect(allowed).toContain(header);
      }
      expect(reply.headers.get('vary')).toMatch(/Origin/);
      expect(await reply.text()).toBe('');
    }
  });

  it('answers a preflight of another origin without allowing it', async () => {
    const reply = await preflight(listed.url, '/api/raffles', 'http://evil.example');
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    expect(reply.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('a listed origin reads the answer and its exposed headers, refusals included', async () => {
    const created = await fetch(`${listed.url}/api/raffles`, {
      method: 'POST',
      headers: { origin: app, 'content-type': 'application/json', 'x-request-id': 'cors-1' },
      body: JSON.stringify({ id: 'cors', name: 'CORS' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(app);
    const exposed = (created.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
    expect(exposed.sort()).toEqual([...corsExposedHeaders].sort());
    expect(exposed).toEqual(expect.arrayContaining(['Retry-After', 'X-Request-Id', 'Location']));
    const missing = await fetch(`${listed.url}/api/raffles/absent`, { headers: { origin: app } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe(app);
    const other = await fetch(`${listed.url}/api/raffles`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('by default (no CORS_ORIGINS) adds no CORS header at all', async () => {
    const reply = await preflight(closed.url, '/api/raffles', app);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    expect(reply.headers.get('access-control-allow-methods')).toBeNull();
    const get = await fetch(`${closed.url}/api/raffles`, { headers: { origin: app } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('CORS_ORIGINS: origins or *, checked at start', () => {
    expect(parseEnv({}).corsOrigins).toEqual([]);
    expect(
      parseEnv({ CORS_ORIGINS: ' https://a.example , http://b.example:8080 ' }).corsOrigins,
    ).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(parseEnv({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    for (const bad of [
      'https://a.example/',
      'a.example',
      'ftp://a.example',
      '*,https://a.example',
    ]) {
      expect(() => parseEnv({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS/);
    }
  });
});
