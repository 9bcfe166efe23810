/**
 * The operator guard end to end, over real HTTP from 127.0.0.1, ::1 and an IPv4-mapped socket.
 *
 * The service has no operator operation yet, so each test serves a tiny router built on
 * `operatorProcedure`, under `/trpc` and `/api`, through `createRequestContext`: the function the
 * service's app uses to set `trust proxy` and build every request's context. What is under test
 * is therefore the real path from socket and headers to the guard's decision. The last tests use
 * the service's own `createApp`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express from 'express';
import { pino } from 'pino';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operatorProcedure, publicProcedure, router } from '../../src/api/trpc.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { createApp } from '../../src/server/app.js';
import { defaultConfig, parseEnv } from '../../src/server/env.js';
import { createLogger } from '../../src/server/logger.js';
import { createRequestContext } from '../../src/server/request-context.js';
import { request } from '../support/server.js';

const callerShape = z.object({ clientAddress: z.string().nullable(), isOperator: z.boolean() });

function testRouter() {
  return router({
    secret: operatorProcedure
      .meta({ openapi: { method: 'GET', path: '/secret' } })
      .input(z.object({}).optional())
      .output(callerShape)
      .query(({ ctx }) => ({ clientAddress: ctx.clientAddress ?? null, isOperator: true })),
    whoami: publicProcedure
      .meta({ openapi: { method: 'GET', path: '/whoami' } })
      .input(z.object({}).optional())
      .output(callerShape)
      .query(({ ctx }) => ({
        clientAddress: ctx.clientAddress ?? null,
        isOperator: ctx.isOperator === true,
      })),
  });
}

const engine = {
  submit: () => Promise.reject(new Error('nothing to submit')),
  query: () => Promise.reject(new Error('nothing to read')),
};
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Serves the test router on `host` with the configuration the environment `env` gives. */
async function serve(env: Record<string, string>, host = '127.0.0.1'): Promise<string> {
  const config = parseEnv(env);
  const app = express();
  const contextFor = createRequestContext(app, { engine, config });
  app.use(
    '/trpc',
    createExpressMiddleware({ router: testRouter(), createContext: contextFor('trpc') }),
  );
  app.use(
    '/api',
    express.json(),
    createOpenApiExpressMiddleware({ router: testRouter(), createContext: contextFor('rest') }),
  );
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function call(
  base: string,
  path: '/secret' | '/whoami',
  headers: Record<string, string> = {},
) {
  return request(base, 'GET', `/api${path}`, undefined, headers);
}

/** Status and reason of a refused REST call, or status and body of an answer. */
async function expectAdmitted(
  base: string,
  headers: Record<string, string>,
  clientAddress: string,
) {
  const reply = await call(base, '/secret', headers);
  expect({ status: reply.status, body: reply.body }, JSON.stringify(headers)).toEqual({
    status: 200,
    body: { clientAddress, isOperator: true },
  });
}

async function expectRefused(
  base: string,
  headers: Record<string, string>,
  clientAddress: string | null,
) {
  const reply = await call(base, '/secret', headers);
  expect({ status: reply.status, reason: reply.body?.reason }, JSON.stringify(headers)).toEqual({
    status: 403,
    reason: 'manager_only',
  });
  expect(reply.body.data.reason).toBe('manager_only');
  const who = await call(base, '/whoami', headers);
  expect(who.body, JSON.stringify(headers)).toEqual({ clientAddress, isOperator: false });
  return reply.body.message as string;
}

describe('operators over HTTP', () => {
  it('by default, loopback clients are operators: from 127.0.0.1, ::1 and ::ffff:127.0.0.1', async () => {
    await expectAdmitted(await serve({}, '127.0.0.1'), {}, '127.0.0.1');
    await expectAdmitted(await serve({}, '::1'), {}, '::1');
    // A dual-stack socket reports the IPv4 peer as ::ffff:127.0.0.1; it is normalised.
    await expectAdmitted(await serve({}, '::ffff:127.0.0.1'), {}, '127.0.0.1');
  });

  it('an allowlist without loopback refuses loopback clients with 403 manager_only, on /api and /trpc', async () => {
    const env = { MANAGER_IPS: '10.0.0.0/8, 2001:db8::/32' };
    await expectRefused(await serve(env, '127.0.0.1'), {}, '127.0.0.1');
    const v6 = await serve(env, '::1');
    await expectRefused(v6, {}, '::1');
    const trpc = await request(v6, 'GET', '/trpc/secret');
    expect(trpc.status).toBe(403);
    expect(trpc.body.error.json.data).toMatchObject({ reason: 'manager_only', httpStatus: 403 });
    const open = await request(v6, 'GET', '/trpc/whoami');
    expect(open.body.result.data.json).toEqual({ clientAddress: '::1', isOperator: false });
  });

  it('a spoofed X-Forwarded-For from a peer that is not a trusted proxy is ignored', async () => {
    const spoof = { 'x-forwarded-for': '127.0.0.1' };
    // No proxy trusted at all: the socket peer (::1) is the client.
    await expectRefused(
      await serve({ MANAGER_IPS: '127.0.0.1', TRUST_PROXY: 'false' }, '::1'),
      spoof,
      '::1',
    );
    // Proxies trusted, but not this peer.
    await expectRefused(
      await serve({ MANAGER_IPS: '127.0.0.1', TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' }, '::1'),
      spoof,
      '::1',
    );
    // The same from the IPv4 side.
    await expectRefused(
      await serve({ MANAGER_IPS: '::1', TRUST_PROXY: 'false' }, '127.0.0.1'),
      { 'x-forwarded-for': '::1' },
      '127.0.0.1',
    );
  });

  it('through a trusted proxy, the rightmost untrusted entry is the client; what the client wrote leftmost is ignored', async () => {
    const base = await serve({ MANAGER_IPS: '203.0.113.0/24' }, '127.0.0.1');
    // The proxy (loopback, trusted by default) appended the client's address.
    await expectAdmitted(base, { 'x-forwarded-for': '203.0.113.7' }, '203.0.113.7');
    // The client wrote an allowlisted address; the proxy appended the real one.
    await expectRefused(base, { 'x-forwarded-for': '203.0.113.7, 198.51.100.1' }, '198.51.100.1');
    // Two loopback proxies in a row are both skipped.
    await expectAdmitted(
      base,
      { 'x-forwarded-for': '198.51.100.1, 203.0.113.9, 127.0.0.1' },
      '203.0.113.9',
    );
    // An entry that is not an address gives no client address, so no operator by address.
    await expectRefused(base, { 'x-forwarded-for': '203.0.113.7, not-an-ip' }, null);
    // A number of hops: the socket peer is the one proxy, its entry names the client.
    const hops = await serve({ MANAGER_IPS: '203.0.113.0/24', TRUST_PROXY: '1' }, '::1');
    await expectRefused(
      hops,
      { 'x-forwarded-for': '203.0.113.7, 198.51.100.1, 127.0.0.1' },
      '127.0.0.1',
    );
    await expectAdmitted(hops, { 'x-forwarded-for': '198.51.100.1, 203.0.113.8' }, '203.0.113.8');
  });

  it('forwarded addresses are normalised: IPv4-mapped IPv6 and IPv6 notations', async () => {
    const base = await serve({ MANAGER_IPS: '203.0.113.7, 2001:db8::/126' }, '::1');
    await expectAdmitted(base, { 'x-forwarded-for': '::ffff:203.0.113.7' }, '203.0.113.7');
    await expectAdmitted(base, { 'x-forwarded-for': '::FFFF:CB00:7107' }, '203.0.113.7');
    await expectAdmitted(base, { 'x-forwarded-for': '2001:DB8:0:0:0:0:0:3' }, '2001:db8::3');
    await expectAdmitted(base, { 'x-forwarded-for': 'fe80::1%eth0, 2001:db8::0' }, '2001:db8::');
    // Just past either edge of the ranges.
    await expectRefused(base, { 'x-forwarded-for': '2001:0db8::4' }, '2001:db8::4');
    await expectRefused(
      base,
      { 'x-forwarded-for': '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff' },
      '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff',
    );
    await expectRefused(base, { 'x-forwarded-for': '::ffff:203.0.113.8' }, '203.0.113.8');
    await expectRefused(base, { 'x-forwarded-for': '0:0:0:0:0:0:0:1' }, '::1');
  });

  it('the token admits from an address not allowlisted; a wrong or malformed one does not', async () => {
    const token = 'k9V_3-x.Qz~+/T0kenValue==';
    const base = await serve({ MANAGER_IPS: '10.0.0.0/8', MANAGER_TOKEN: token }, '127.0.0.1');
    await expectAdmitted(base, { authorization: `Bearer ${token}` }, '127.0.0.1');
    await expectAdmitted(base, { authorization: `bearer  ${token}` }, '127.0.0.1');
    const baseline = await expectRefused(base, {}, '127.0.0.1');
    const wrong = [
      `Bearer ${token.slice(0, -1)}x`,
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, 16)}`,
      `Bearer ${token.toUpperCase()}`,
      `Basic ${token}`,
      token,
      'Bearer',
      `Bearer ${token} extra`,
      `Bearer "${token}"`,
    ];
    for (const authorization of wrong) {
      // One message for every failure: no hint which part was wrong.
      expect(await expectRefused(base, { authorization }, '127.0.0.1')).toBe(baseline);
    }
    // Without MANAGER_TOKEN no bearer admits, whatever it says.
    const noToken = await serve({ MANAGER_IPS: '10.0.0.0/8' }, '127.0.0.1');
    await expectRefused(noToken, { authorization: `Bearer ${token}` }, '127.0.0.1');
  });
});

describe('the service app', () => {
  it('sets the configured trust proxy', async () => {
    const engine = await startRaffleEngine({
      defaultRaffleId: 'main',
      defaultRaffleName: 'Main',
      rafflesMax: 2,
      participantsPerRaffleMax: 10,
      queueLengthMax: 10,
      batchSizeMax: 10,
    });
    try {
      for (const trustProxy of [false, 2, ['10.0.0.0/8']] as const) {
        const app = createApp({
          engine,
          config: defaultConfig({ trustProxy }),
          logger: pino({ level: 'silent' }),
        });
        expect(app.get('trust proxy')).toEqual(trustProxy);
      }
    } finally {
      await engine.close();
    }
  });

  it('never writes the bearer token to the request log', async () => {
    const token = 'never-log-this-token-0123456789';
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString('utf8');
        done();
      },
    });
    const engine = await startRaffleEngine({
      defaultRaffleId: 'main',
      defaultRaffleName: 'Main',
      rafflesMax: 2,
      participantsPerRaffleMax: 10,
      queueLengthMax: 10,
      batchSizeMax: 10,
    });
    try {
      const config = defaultConfig({ logRequests: true, managerToken: token, logLevel: 'info' });
      const app = createApp({ engine, config, logger: createLogger('info', sink) });
      const server = createServer(app);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const reply = await request(`http://127.0.0.1:${port}`, 'GET', '/healthz', undefined, {
        authorization: `Bearer ${token}`,
        'x-probe': 'probe-value',
      });
      expect(reply.status).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      expect(written).toContain('probe-value');
      expect(written).toContain('authorization');
      expect(written).not.toContain(token);
    } finally {
      await engine.close();
    }
  });
});
