/**
 * The paced (open-loop) driver and its HTTP/1.1 pool, against small node:http servers started
 * here: the schedule is kept whatever the server does, a request's latency runs from when it was
 * due, every answer reaches its caller whole, and what the pool cannot read is counted as a
 * transport error rather than misread. Behaviour only, never speed: the bounds below follow from
 * when the servers are made to answer, not from how fast anything runs.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Pool } from '../../load/runner/http1-pool.js';
import { drivePaced } from '../../load/runner/paced-drive.js';

const servers: Server[] = [];

async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Sends one request through a fresh pool and resolves with what `done` was given. */
function once(
  url: string,
  body?: string,
): Promise<{ error?: Error; status: number; body: string }> {
  const pool = new Http1Pool(url, 1);
  return new Promise((resolve) => {
    pool.request({
      method: body === undefined ? 'GET' : 'POST',
      path: '/echo?x=1',
      body,
      done: (error, status, text) => {
        pool.close();
        resolve({ ...(error === undefined ? {} : { error }), status, body: text });
      },
    });
  });
}

describe('Http1Pool', () => {
  it('sends method, path and body, and reads the status and a multi-byte body split over writes', async () => {
    const url = await serve((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        const answer = Buffer.from(JSON.stringify({ method: req.method, url: req.url, text }));
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': answer.length });
        // The body in two writes, cut inside a multi-byte character.
        const cut = answer.indexOf(Buffer.from('é')) + 1;
        res.write(answer.subarray(0, cut));
        setTimeout(() => res.end(answer.subarray(cut)), 20);
      });
    });
    const answer = await once(url, '{"name":"élise"}');
    expect(answer.error).toBeUndefined();
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toEqual({
      method: 'POST',
      url: '/echo?x=1',
      text: '{"name":"élise"}',
    });
  });

  it('counts an answer without Content-Length as a transport error', async () => {
    const url = await serve((_req, res) => {
      res.write('{"ok":');
      res.end('true}');
    });
    const answer = await once(url);
    expect(answer.error?.message).toMatch(/Content-Length/);
  });

  it('reports a connection the server drops, and opens a new one for the next request', async () => {
    let calls = 0;
    const url = await serve((req, res) => {
      calls += 1;
      if (calls === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-length': 2 });
      res.end('ok');
    });
    const pool = new Http1Pool(url, 1);
    const results: string[] = [];
    await new Promise<void>((resolve) => {
      for (let i = 0; i < 2; i += 1) {
        pool.request({
          method: 'GET',
          path: '/',
          done: (error, status, body) => {
            results.push(error === undefined ? `${status} ${body}` : 'error');
            if (results.length === 2) resolve();
          },
        });
      }
    });
    pool.close();
    expect(results).toEqual(['error', '200 ok']);
  });
});

describe('drivePaced', () => {
  it('keeps the schedule while the server holds every answer, and times each from when it was due', async () => {
    // Every answer waits for the gate, 300 ms after the first request arrives; one connection,
    // so a closed loop would have sent one request in that time.
    const gateMs = 300;
    let gateOpen: Promise<void> | undefined;
    let arrived = 0;
    const url = await serve((req, res) => {
      arrived += 1;
      gateOpen ??= new Promise((resolve) => setTimeout(resolve, gateMs));
      req.resume();
      void gateOpen.then(() => {
        res.writeHead(200, { 'content-length': 2 });
        res.end('ok');
      });
    });
    const bodies: string[] = [];
    const result = await drivePaced({
      url,
      connections: 1,
      durationS: 0.5,
      ratePerS: 40,
      next: () => ({ method: 'GET', path: '/', onAnswer: (_status, body) => bodies.push(body) }),
    });
    // Due every 25 ms from 0 to 475 ms: twenty requests, whatever the server did meanwhile.
    expect(result.sent).toBe(20);
    expect(result.answered).toBe(20);
    expect(result.unanswered).toBe(0);
    expect(arrived).toBe(20);
    expect(result.statusCounts).toEqual({ 200: 20 });
    expect(bodies).toEqual(Array.from({ length: 20 }, () => 'ok'));
    // The first request was due at 0 and answered after the gate: its wait counts in full.
    expect(result.latencyMs.max).toBeGreaterThanOrEqual(gateMs);
    // Requests due before the gate opened waited for it: the twelve due at 0–275 ms, answered
    // after 300, each waited 25 ms or more, so the median did too.
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(25);
  });

  it('refuses a rate that is not positive', async () => {
    await expect(
      drivePaced({
        url: 'http://127.0.0.1:9',
        connections: 1,
        durationS: 0.1,
        ratePerS: 0,
        next: () => ({ method: 'GET', path: '/' }),
      }),
    ).rejects.toThrow(/ratePerS/);
  });
});
