/**
 * The node:http fast path against the express app it bypasses: two services with identical
 * engines, one answering every request through express and the tRPC and trpc-to-openapi adapters
 * (`createApp`), the other through the service's listener (`createService().listener`), get the
 * same sequences of requests, valid and broken, and must answer each with the same status, the
 * same body and the same headers that carry meaning. The express app is the reference model.
 *
 * Sequences are drawn by fast-check with a fixed seed; both services keep their state across runs,
 * and since they see the same requests in the same order, their states stay equal. tRPC answers
 * differ in framing only (a Content-Length instead of chunks), which is not compared.
 */
import { createServer, IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { createApp, createService } from '../../src/server/app.js';
import { defaultConfig } from '../../src/server/env.js';
import { HkdfSecretKeys } from '../../src/server/hkdf-secret-keys.js';
import { rawRequest } from '../support/server.js';

interface Call {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

const seed = 1_618_033;
const token = 'operator-token-for-tests';
const config = defaultConfig({
  managerIps: [],
  managerToken: token,
  trustProxy: ['127.0.0.1'],
  bodyBytesMax: 4096,
});
const secretKeys = HkdfSecretKeys.random();

async function startEngine(): Promise<Engine> {
  return startRaffleEngine({
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    rafflesMax: 20,
    participantsPerRaffleMax: 1000,
    queueLengthMax: 100,
    batchSizeMax: 100,
  });
}

async function listen(listener: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const json = { 'content-type': 'application/json' };
const trpcInput = (input: unknown) => encodeURIComponent(JSON.stringify({ json: input }));

const raffleId = fc.constantFrom('main', 'second', 'nope', 'MAIN', 'a%20b');
const username = fc.constantFrom('alice', 'bob', 'zoë', '', ' carol', 'x'.repeat(70), 'dan');
const count = fc.constantFrom<unknown>(1, 3, 0, -2, 1.5, '4', 'many', 1e15, null);
const idempotency = fc.option(fc.constantFrom('key-1', 'key-2', 'has space'), { nil: undefined });

/** A body in one of the shapes clients get wrong, or the intended JSON. */
const bodyOf = (value: unknown): fc.Arbitrary<Pick<Call, 'headers' | 'body'>> =>
  fc.constantFrom<Pick<Call, 'headers' | 'body'>>(
    { headers: json, body: JSON.stringify(value) },
    { headers: json, body: JSON.stringify(value) },
    { headers: json, body: JSON.stringify(value) },
    { headers: json, body: '{"username": ' },
    { headers: json, body: '[1, 2]' },
    { headers: json, body: 'null' },
    { headers: json, body: '['.repeat(80) + ']'.repeat(80) },
    { headers: { 'content-type': 'text/plain' }, body: JSON.stringify(value) },
    { headers: { 'content-type': 'application/json; charset=latin1' }, body: '{}' },
    { headers: json, body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) },
    { headers: json, body: 'x'.repeat(5000) },
    { headers: {}, body: undefined },
  );

const restIssue = fc
  .record({ raffleId, username, count, key: idempotency })
  .chain(({ raffleId: id, username: name, count: n, key }) =>
    bodyOf({ username: name, count: n }).map((body): Call => ({
      method: 'POST',
      path: `/api/raffles/${id}/tickets`,
      ...body,
      headers: { ...body.headers, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    })),
  );
const restTransfer = fc
  .record({ raffleId, from: username, to: username, count })
  .chain(({ raffleId: id, from, to, count: n }) =>
    bodyOf({ from, to, count: n }).map((body): Call => ({
      method: 'POST',
      path: `/api/raffles/${id}/transfers`,
      ...body,
    })),
  );
const restReads = fc.oneof(
  raffleId.map((id): Call => ({ method: 'GET', path: `/api/raffles/${id}` })),
  fc
    .record({ id: raffleId, limit: fc.constantFrom('', '2', 'x', '2&limit=3', '1000') })
    .map(({ id, limit }): Call => ({
      method: 'GET',
      path: `/api/raffles/${id}/participants?limit=${limit}`,
    })),
  fc
    .record({
      id: raffleId,
      name: fc.constantFrom('alice', 'zo%C3%AB', '%ZZ', 'nobody'),
      method: fc.constantFrom('GET', 'HEAD'),
    })
    .map(({ id, name, method }): Call => ({
      method,
      path: `/api/raffles/${id}/participants/${name}`,
    })),
  fc.constantFrom<Call>(
    { method: 'GET', path: '/api/raffles' },
    { method: 'GET', path: '/api/Raffles/main/' },
    { method: 'GET', path: '/api/nowhere' },
    { method: 'DELETE', path: '/api/raffles/main' },
    { method: 'OPTIONS', path: '/api/raffles/main/tickets' },
    { method: 'POST', path: '/api/raffles', headers: json, body: '{"id":"second","name":"Two"}' },
    { method: 'POST', path: '/api/campaigns', headers: json, body: '{}' },
    {
      method: 'POST',
      path: '/api/campaigns',
      headers: { ...json, authorization: `Bearer ${token}` },
      body: '{}',
    },
    {
      method: 'POST',
      path: '/api/campaigns',
      headers: { ...json, authorization: 'Bearer wrong', 'x-forwarded-for': '10.1.1.1' },
      body: '{}',
    },
  ),
);
const trpcCalls = fc.oneof(
  fc.record({ raffleId, username, count }).chain((input) =>
    bodyOf({ json: input }).map((body): Call => ({
      method: 'POST',
      path: '/trpc/tickets.issue',
      ...body,
    })),
  ),
  fc.record({ raffleId, from: username, to: username, count }).map((input): Call => ({
    method: 'POST',
    path: '/trpc/transfers.create',
    headers: json,
    body: JSON.stringify({ json: input }),
  })),
  raffleId.map((id): Call => ({
    method: 'GET',
    path: `/trpc/raffles.get?input=${trpcInput({ raffleId: id })}`,
  })),
  fc.constantFrom<Call>(
    { method: 'HEAD', path: `/trpc/raffles.get?input=${trpcInput({ raffleId: 'main' })}` },
    { method: 'GET', path: '/trpc/raffles.get?input=%7Bnot-json' },
    { method: 'GET', path: '/trpc/raffles.get' },
    { method: 'GET', path: '/trpc/tickets.issue' },
    { method: 'POST', path: '/trpc/raffles.get', headers: json, body: '{"json":{}}' },
    { method: 'POST', path: '/trpc/nothing.here', headers: json, body: '{"json":{}}' },
    {
      method: 'GET',
      path: `/trpc/raffles.get,raffles.list?batch=1&input=${encodeURIComponent('{"0":{"json":{"raffleId":"main"}}}')}`,
    },
  ),
);
/** Routes the listener answers before express (health, the dashboard) and their near misses. */
const plainCalls = fc.constantFrom<Call>(
  { method: 'GET', path: '/healthz' },
  { method: 'HEAD', path: '/healthz' },
  { method: 'GET', path: '/healthz?verbose=1' },
  { method: 'POST', path: '/healthz', headers: json, body: '{}' },
  { method: 'GET', path: '/dashboard' },
  { method: 'GET', path: '/dashboard/nothing-here' },
);
/** Batches of one call, as tRPC's batch link (the typed client's default) sends a lone call. */
const batchInput = (input: unknown) => encodeURIComponent(JSON.stringify({ 0: { json: input } }));
const trpcBatchesOfOne = fc.oneof(
  fc.record({ raffleId, username, count }).chain((input) =>
    bodyOf({ 0: { json: input } }).map((body): Call => ({
      method: 'POST',
      path: '/trpc/tickets.issue?batch=1',
      ...body,
    })),
  ),
  raffleId.map((id): Call => ({
    method: 'GET',
    path: `/trpc/raffles.get?batch=1&input=${batchInput({ raffleId: id })}`,
  })),
  fc.constantFrom<Call>(
    { method: 'GET', path: '/trpc/raffles.get?batch=1' },
    { method: 'GET', path: `/trpc/raffles.get?batch=1&input=${trpcInput({ raffleId: 'main' })}` },
    { method: 'GET', path: `/trpc/raffles.get?batch=1&input=${encodeURIComponent('[1]')}` },
    { method: 'GET', path: `/trpc/raffles.get?batch=1&input=${encodeURIComponent('{"1":{}}')}` },
    { method: 'GET', path: '/trpc/raffles.get?batch=1&input=%7Bnot-json' },
    { method: 'GET', path: `/trpc/raffles.get?batch=2&input=${batchInput({ raffleId: 'main' })}` },
    { method: 'HEAD', path: `/trpc/raffles.get?batch=1&input=${batchInput({ raffleId: 'main' })}` },
    { method: 'GET', path: `/trpc/tickets.issue?batch=1&input=${batchInput({})}` },
    { method: 'POST', path: '/trpc/raffles.get?batch=1', headers: json, body: '{"0":{"json":{}}}' },
    { method: 'POST', path: '/trpc/tickets.issue?batch=1', headers: json, body: '"text"' },
    { method: 'POST', path: '/trpc/tickets.issue?batch=1', headers: json, body: 'x'.repeat(5000) },
    { method: 'POST', path: '/trpc/tickets.issue?batch=1', headers: json, body: '{"0":' },
  ),
);
/** Longer batches: calls of one type (served by the listener) and mixtures it leaves to express. */
const batchBody = (inputs: unknown[]) =>
  JSON.stringify(Object.fromEntries(inputs.map((input, index) => [index, { json: input }])));
const batchQuery = (inputs: unknown[]) => encodeURIComponent(batchBody(inputs));
const trpcBatches = fc.oneof(
  fc
    .array(fc.record({ raffleId, username, count }), { minLength: 2, maxLength: 4 })
    .map((inputs): Call => ({
      method: 'POST',
      path: `/trpc/${inputs.map(() => 'tickets.issue').join(',')}?batch=1`,
      headers: json,
      body: batchBody(inputs),
    })),
  fc
    .tuple(
      fc.record({ raffleId, username, count }),
      fc.record({ raffleId, from: username, to: username, count }),
    )
    .map(([issue, transfer]): Call => ({
      method: 'POST',
      path: '/trpc/tickets.issue,transfers.create?batch=1',
      headers: json,
      body: batchBody([issue, transfer]),
    })),
  fc.array(raffleId, { minLength: 2, maxLength: 3 }).map((ids): Call => ({
    method: 'GET',
    path: `/trpc/${ids.map(() => 'raffles.get').join(',')}?batch=1&input=${batchQuery(ids.map((id) => ({ raffleId: id })))}`,
  })),
  fc.constantFrom<Call>(
    {
      method: 'GET',
      path: `/trpc/raffles.get,tickets.issue?batch=1&input=${batchQuery([{ raffleId: 'main' }, {}])}`,
    },
    {
      method: 'GET',
      path: `/trpc/raffles.get,nothing.here?batch=1&input=${batchQuery([{ raffleId: 'main' }, {}])}`,
    },
    {
      method: 'GET',
      path: `/trpc/raffles.get,raffles.get?batch=1&input=${encodeURIComponent('{"1":{"json":{"raffleId":"main"}}}')}`,
    },
    {
      method: 'GET',
      path: `/trpc/raffles.get,raffles.get?batch=1&input=${encodeURIComponent('[1,2]')}`,
    },
    {
      method: 'POST',
      path: '/trpc/tickets.issue,tickets.issue?batch=1',
      headers: json,
      body: '{"0":',
    },
    { method: 'POST', path: '/trpc/tickets.issue,raffles.get?batch=1', headers: json, body: '{}' },
  ),
);
const anyCall = fc.oneof(
  restIssue,
  restTransfer,
  restReads,
  trpcCalls,
  trpcBatchesOfOne,
  trpcBatches,
  plainCalls,
);

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The engines stamp with their own clocks: times are compared for their presence only. */
function withoutTimes(value: unknown): unknown {
  if (typeof value === 'string') return isoTime.test(value) ? '<time>' : value;
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutTimes(v)]));
  }
  return value;
}

/**
 * The state digest of `/healthz` covers the stamps of each engine's own clock, and each service
 * recomputes it on its own schedule (`state-digest.ts`, at most so often): it is compared for its
 * presence and form only (the applied and durable sequence numbers are compared in full).
 */
function withoutDigest(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('digest' in body)) return body;
  const { digest, ...rest } = body as { digest: { seq?: unknown; sha256?: unknown } };
  return { ...rest, digest: { seq: typeof digest.seq, sha256: typeof digest.sha256 } };
}

/** What must agree: status, body and the headers that carry meaning. */
function comparable(answer: Awaited<ReturnType<typeof rawRequest>>, rest: boolean) {
  const h = answer.headers;
  return {
    status: answer.status,
    body: withoutDigest(withoutTimes(answer.body)),
    contentType: h['content-type'],
    allow: h.allow,
    retryAfter: h['retry-after'],
    vary: h.vary,
    // HEAD must announce the length GET sends, whichever way it was served.
    contentLength: answer.text === '' ? undefined : Buffer.byteLength(answer.text),
    // REST answers are never chunked: HEAD announces the length GET sends.
    lengthHeader: rest ? h['content-length'] : undefined,
  };
}

describe('the fast path answers as the express app does', () => {
  const engines: Engine[] = [];
  const servers: Server[] = [];
  let expressUrl = '';
  let fastUrl = '';

  beforeAll(async () => {
    const expressEngine = await startEngine();
    const fastEngine = await startEngine();
    engines.push(expressEngine, fastEngine);
    const logger = pino({ level: 'silent' });
    const viaExpress = await listen(
      createApp({ engine: expressEngine, config, logger, secretKeys }) as RequestListener,
    );
    const viaFastPath = await listen(
      createService({ engine: fastEngine, config, logger, secretKeys }).listener,
    );
    servers.push(viaExpress.server, viaFastPath.server);
    expressUrl = viaExpress.url;
    fastUrl = viaFastPath.url;
  });

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    for (const engine of engines) await engine.close();
  });

  /** Sends `call` to the express app, then to the listener, and compares what matters. */
  async function expectSameAnswers(call: Call): Promise<void> {
    const options = { headers: call.headers ?? {}, body: call.body };
    const rest = call.path.startsWith('/api/');
    const reference = await rawRequest(expressUrl, call.method, call.path, options);
    const fast = await rawRequest(fastUrl, call.method, call.path, options);
    expect(
      comparable(fast, rest),
      `${call.method} ${call.path} ${JSON.stringify(call.headers)} ${String(call.body)}`,
    ).toEqual(comparable(reference, rest));
  }

  it('gives the same answers to the same sequences of requests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyCall, { minLength: 1, maxLength: 25 }), async (calls) => {
        for (const call of calls) await expectSameAnswers(call);
      }),
      { seed, numRuns: 40, verbose: true },
    );
  });

  it('gives the same answers to refused bodies and broken batches, every one of them', async () => {
    const calls: Call[] = [
      {
        method: 'POST',
        path: '/trpc/tickets.issue?batch=1',
        headers: json,
        body: 'x'.repeat(5000),
      },
      { method: 'POST', path: '/trpc/tickets.issue', headers: json, body: 'x'.repeat(5000) },
      { method: 'POST', path: '/trpc/tickets.issue?batch=1', headers: json, body: '{"0":' },
      { method: 'POST', path: '/trpc/tickets.issue?batch=1', headers: json, body: '[{}]' },
      { method: 'POST', path: '/trpc/tickets.issue?batch=1', headers: json, body: '{}' },
      { method: 'GET', path: `/trpc/raffles.get?batch=1&input=${encodeURIComponent('"s"')}` },
      {
        method: 'GET',
        path: `/trpc/raffles.get?batch=1&input=${batchInput({ raffleId: 'nope' })}`,
      },
      {
        method: 'POST',
        path: '/trpc/tickets.issue,tickets.issue?batch=1',
        headers: json,
        body: 'x'.repeat(5000),
      },
      {
        method: 'POST',
        path: '/trpc/tickets.issue,tickets.issue,tickets.issue?batch=1',
        headers: json,
        body: batchBody([
          { raffleId: 'main', username: 'ann', count: 1 },
          { raffleId: 'main', username: '', count: 1 },
          { raffleId: 'nope', username: 'ann', count: 1 },
        ]),
      },
    ];
    for (const call of calls) await expectSameAnswers(call);
  });

  it('answers health, the dashboard and API calls without express, which changes the prototype of every request it handles', async () => {
    const engine = await startEngine();
    engines.push(engine);
    const { listener } = createService({
      engine,
      config,
      logger: pino({ level: 'silent' }),
      secretKeys,
    });
    const untouched: Record<string, boolean> = {};
    const watched = await listen((req, res) => {
      const key = `${req.method} ${req.url}`;
      res.on('finish', () => {
        untouched[key] = Object.getPrototypeOf(req) === IncomingMessage.prototype;
      });
      listener(req, res);
    });
    servers.push(watched.server);
    const calls: Call[] = [
      { method: 'GET', path: '/healthz' },
      { method: 'HEAD', path: '/healthz' },
      { method: 'GET', path: '/dashboard' },
      { method: 'GET', path: '/api/raffles/main' },
      {
        method: 'POST',
        path: '/api/raffles/main/tickets',
        headers: json,
        body: '{"username":"alice","count":1}',
      },
      { method: 'GET', path: `/trpc/raffles.get?input=${trpcInput({ raffleId: 'main' })}` },
      {
        method: 'GET',
        path: `/trpc/raffles.get?batch=1&input=${batchInput({ raffleId: 'main' })}`,
      },
      {
        method: 'POST',
        path: '/trpc/tickets.issue,tickets.issue?batch=1',
        headers: json,
        body: batchBody([
          { raffleId: 'main', username: 'alice', count: 1 },
          { raffleId: 'main', username: 'bob', count: 2 },
        ]),
      },
      { method: 'GET', path: '/openapi.json' },
      { method: 'GET', path: '/healthz?verbose=1' },
    ];
    for (const call of calls) {
      const answer = await rawRequest(watched.url, call.method, call.path, {
        headers: call.headers ?? {},
        body: call.body,
      });
      expect(answer.status, `${call.method} ${call.path}`).toBeLessThan(400);
    }
    expect(untouched).toEqual({
      'GET /healthz': true,
      'HEAD /healthz': true,
      'GET /dashboard': true,
      'GET /api/raffles/main': true,
      'POST /api/raffles/main/tickets': true,
      [`GET /trpc/raffles.get?input=${trpcInput({ raffleId: 'main' })}`]: true,
      [`GET /trpc/raffles.get?batch=1&input=${batchInput({ raffleId: 'main' })}`]: true,
      'POST /trpc/tickets.issue,tickets.issue?batch=1': true,
      // Left to express, which is what this test tells apart.
      'GET /openapi.json': false,
      'GET /healthz?verbose=1': false,
    });
  });
});
