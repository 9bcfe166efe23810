/**
 * Graceful shutdown, in process and with the real process. Requests admitted before the stop are
 * answered; while the service drains it keeps listening, so a client on a kept-alive connection
 * (or a new one) gets a clean 503 `shutting_down` with `Retry-After` and `Connection: close`
 * rather than a reset connection, and `/healthz` says 503. A stop that cannot flush the journal
 * rejects (the process then exits non-zero); a signal stops the process with exit code 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startServerProcess } from '../../load/runner/server-process.js';
import type { CommandLog } from '../../src/engine/command-log.js';
import { waitFor } from '../support/assertions.js';
import { ledgerOf } from '../support/ledger-commands.js';
import { BlockingLog, rawRequest, request, startTestServer } from '../support/server.js';

const issue = (username: string) => JSON.stringify({ username, count: 1 });
const json = { 'content-type': 'application/json' };

describe('graceful shutdown', () => {
  it('close: every queued request is answered before the server stops', async () => {
    const log = new BlockingLog();
    // A grace period longer than the test's timeout: only a graceful close can pass.
    const running = await startTestServer({ shutdownGraceMs: 120_000 }, { log });
    log.block();
    // The first mutation blocks in the log; the 50 after it wait in the queue.
    const first = request(running.url, 'POST', '/api/raffles/main/tickets', {
      username: 'a',
      count: 1,
    });
    await waitFor(() => running.engine.stats().appliedSeq >= 2);
    const queued = Array.from({ length: 50 }, (_, i) =>
      request(running.url, 'POST', '/api/raffles/main/tickets', { username: `u${i}`, count: 1 }),
    );
    await waitFor(() => running.engine.stats().queueLength === 50);
    const closed = running.close();
    log.unblock();
    const responses = await Promise.all([first, ...queued]);
    await closed;
    expect(responses.map((r) => r.status)).toEqual(new Array(51).fill(200));
    expect(ledgerOf(running.engine.stateMachine, 'main')?.totalTickets).toBe(51);
  });

  it('keep-alive: while draining, a kept-alive connection gets 503 + Retry-After, not a reset', async () => {
    const log = new BlockingLog();
    const running = await startTestServer({ shutdownGraceMs: 120_000 }, { log });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    onTestFinished(() => agent.destroy());
    // One request opens the connection the agent keeps alive afterwards.
    const opened = await rawRequest(running.url, 'GET', '/api/raffles', { agent });
    expect(opened.status).toBe(200);
    expect(opened.headers.connection).toBe('keep-alive');

    // A request in flight (blocked in the log) when the stop begins.
    log.block();
    const appliedBefore = running.engine.stats().appliedSeq;
    const inFlight = rawRequest(running.url, 'POST', '/api/raffles/main/tickets', {
      headers: json,
      body: issue('early'),
    });
    await waitFor(() => running.engine.stats().appliedSeq > appliedBefore);
    const closed = running.close();

    // The kept-alive connection is still served: a clean refusal that closes it.
    const refused = await rawRequest(running.url, 'POST', '/api/raffles/main/tickets', {
      headers: json,
      body: issue('late'),
      agent,
    });
    expect(refused.status).toBe(503);
    expect(refused.body.reason).toBe('shutting_down');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers.connection).toBe('close');
    // A new connection is still accepted, and told the same; health says draining.
    const health = await rawRequest(running.url, 'GET', '/healthz');
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('shutting_down');
    expect(health.headers['retry-after']).toBe('1');

    log.unblock();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.headers.connection).toBe('close');
    await closed;
    // Only the admitted request was applied, and the server no longer listens.
    expect(ledgerOf(running.engine.stateMachine, 'main')?.totalTickets).toBe(1);
    await expect(rawRequest(running.url, 'GET', '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('keep-alive: a stream of requests on kept-alive connections gets only answers', async () => {
    const running = await startTestServer({ shutdownGraceMs: 120_000 });
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    onTestFinished(() => agent.destroy());
    const outcomes: string[] = [];
    let stopped = false;
    const client = async (id: number) => {
      for (let i = 0; !stopped; i += 1) {
        try {
          const reply = await rawRequest(running.url, 'POST', '/api/raffles/main/tickets', {
            headers: json,
            body: issue(`c${id}`),
            agent,
          });
          outcomes.push(String(reply.status));
          if (reply.status === 503) return;
        } catch (error) {
          // Refused connections after the listener closed are fine; a reset is not.
          const code = (error as NodeJS.ErrnoException).code ?? 'error';
          outcomes.push(code);
          return;
        }
      }
    };
    const clients = Promise.all([0, 1, 2, 3].map(client));
    await waitFor(() => outcomes.length >= 40);
    await running.close();
    stopped = true;
    await clients;
    const statuses = new Set(outcomes);
    statuses.delete('200');
    statuses.delete('503');
    statuses.delete('ECONNREFUSED');
    expect([...statuses]).toEqual([]);
    expect(outcomes).toContain('503');
    // Every 200 was applied.
    const applied = outcomes.filter((outcome) => outcome === '200').length;
    expect(ledgerOf(running.engine.stateMachine, 'main')?.totalTickets).toBe(applied);
  });

  it('close rejects when the journal cannot be flushed, and when the flush outlasts the grace', async () => {
    const failing: CommandLog = {
      append: () => undefined,
      close: () => Promise.reject(new Error('disk gone')),
    };
    const broken = await startTestServer({}, { log: failing });
    await expect(broken.close()).rejects.toThrow(/could not be flushed/);

    const stuck = new BlockingLog();
    const slow = await startTestServer({ shutdownGraceMs: 300 }, { log: stuck });
    stuck.block();
    const appliedBefore = slow.engine.stats().appliedSeq;
    const pending = request(slow.url, 'POST', '/api/raffles/main/tickets', {
      username: 'a',
      count: 1,
    });
    await waitFor(() => slow.engine.stats().appliedSeq > appliedBefore);
    await expect(slow.close()).rejects.toThrow(/not flushed within 300 ms/);
    // The stuck request was never acknowledged: its connection was closed instead.
    await expect(pending).rejects.toThrow();
    stuck.unblock();
  });

  for (const [signal, logRequests] of [
    ['SIGTERM', true],
    ['SIGINT', false],
  ] as const) {
    it(`${signal}: the process drains and exits 0 (access log ${logRequests ? 'on' : 'off'})`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'raffle-shutdown-'));
      onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
      const service = await startServerProcess({
        fromSource: true,
        env: { LOG_REQUESTS: String(logRequests), DATA_DIR: dataDir },
      });
      const issued = await request(service.url, 'POST', '/api/raffles/main/tickets', {
        username: 'a',
        count: 2,
      });
      expect(issued.status).toBe(200);
      service.kill(signal);
      expect(await service.exited).toBe(0);
      await service.stop();
      const { stdout: output } = service.status();
      expect(output).toContain('shutting down');
      expect(output).toContain('"msg":"stopped"');
      expect(output.includes('"msg":"request completed"')).toBe(logRequests);
      // A graceful stop leaves a snapshot of everything it acknowledged.
      expect(output).toContain('"msg":"snapshot written"');
    });
  }
});
