import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { request, startTestServer } from '../support/server.js';

describe('tRPC surface refusals', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer({ bodyBytesMax: 2048 });
  });
  afterAll(() => running.close());

  it('trpc: a mutation called with GET is 405 method_not_supported', async () => {
    const reply = await request(running.url, 'GET', '/trpc/tickets.issue');
    expect(reply.status).toBe(405);
    expect(reply.body.error.json.data.reason).toBe('method_not_supported');
  });

  it('trpc: a body over BODY_BYTES_MAX is 413 payload_too_large and changes nothing', async () => {
    const before = running.engine.stats().appliedSeq;
    const reply = await request(running.url, 'POST', '/trpc/tickets.issue', {
      json: { raffleId: 'main', username: 'a'.repeat(4096), count: 1 },
    });
    expect(reply.status).toBe(413);
    expect(reply.body.error.json.data.reason).toBe('payload_too_large');
    expect(running.engine.stats().appliedSeq).toBe(before);
  });

  it('trpc: an unknown procedure is 404 route_not_found', async () => {
    const reply = await request(running.url, 'POST', '/trpc/tickets.nope', { json: {} });
    expect(reply.status).toBe(404);
    expect(reply.body.error.json.data.reason).toBe('route_not_found');
  });
});

describe('internal errors', () => {
  for (const expose of [false, true]) {
    it(`internal_error: 500 with the message ${expose ? 'shown' : 'hidden'}`, async () => {
      const running = await startTestServer({ exposeInternalErrors: expose });
      try {
        // A fault inside the engine, as a bug would cause one.
        const fault = () => Promise.reject(new Error('secret detail of the fault'));
        running.engine.submit = fault;
        running.engine.query = fault;
        for (const [method, path, body] of [
          ['GET', '/api/raffles/main', undefined],
          ['POST', '/trpc/tickets.issue', { json: { raffleId: 'main', username: 'a', count: 1 } }],
        ] as const) {
          const reply = await request(running.url, method, path, body);
          expect(reply.status).toBe(500);
          const shape = path.startsWith('/trpc') ? reply.body.error.json : reply.body;
          expect(shape.reason).toBe('internal_error');
          expect(JSON.stringify(reply.body).includes('secret detail')).toBe(expose);
        }
      } finally {
        await running.close();
      }
    });
  }
});
