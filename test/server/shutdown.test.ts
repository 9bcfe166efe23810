import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startServerProcess } from '../../load/runner/server-process.js';
import { ledgerOf } from '../support/ledger-commands.js';
import { BlockingLog, request, startTestServer } from '../support/server.js';

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

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
