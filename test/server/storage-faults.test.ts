/**
 * The whole service on a disk that fails (the real disk behind the journal's file-system seam,
 * with faults injected in front of it), and under ten times the load its queue holds.
 *
 * A failed fdatasync is answered 503 `storage_failed` with `Retry-After` and a sentence saying
 * why, over REST and tRPC, for writes and reads alike, and `/healthz` says so; a restart on the
 * same directory holds every acknowledged write. A flood of ten times the queue's bound, against
 * a disk that holds a sync until the queue is full, is answered 503 `queue_full` with `Retry-After` for what does not fit, while the
 * queue never holds more than its bound and everything it admitted is answered with its outcome.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../src/journal/file-system.js';
import type { RunningServer } from '../../src/server/server.js';
import { FaultyFileSystem } from '../support/faulty-file-system.js';
import { request, startTestServer } from '../support/server.js';

const dirs: string[] = [];
const servers: RunningServer[] = [];

afterEach(async () => {
  for (const running of servers.splice(0)) await running.close().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'raffle-faults-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string, faulty?: FaultyFileSystem, overrides = {}) {
  const running = await startTestServer(
    { durability: 'fsync', dataDir: dir, ...overrides },
    faulty === undefined ? {} : { fileSystem: faulty },
  );
  servers.push(running);
  return running;
}

const issue = (url: string, username: string, count: number) =>
  request(url, 'POST', '/api/raffles/main/tickets', { username, count });

describe('a failing disk under the whole service', () => {
  it('answers 503 storage_failed with Retry-After to every request after a failed fdatasync, and a restart keeps every acknowledged write', async () => {
    const dir = dataDir();
    let failing = false;
    const faulty = new FaultyFileSystem(nodeFileSystem, {
      faultFor: (call) =>
        failing && call.op === 'datasync' && call.path.endsWith('.log')
          ? { kind: 'eio' }
          : undefined,
    });
    const running = await start(dir, faulty);
    expect((await issue(running.url, 'ann', 5)).status).toBe(200);
    expect((await issue(running.url, 'bo', 3)).status).toBe(200);

    failing = true;
    const failed = await issue(running.url, 'ann', 100);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(failed.body).toMatchObject({ reason: 'storage_failed' });
    expect(failed.body.message).toMatch(/durable/);
    failing = false;
    // From now on nothing is answered from a state ahead of the disk, even though it works again.
    const read = await request(running.url, 'GET', '/api/raffles/main/participants/ann');
    expect(read.status).toBe(503);
    expect(read.body).toMatchObject({ reason: 'storage_failed' });
    const trpc = await request(running.url, 'POST', '/trpc/tickets.issue', {
      json: { raffleId: 'main', username: 'cy', count: 1 },
    });
    expect(trpc.status).toBe(503);
    expect(trpc.body.error.json.data).toMatchObject({ reason: 'storage_failed' });
    const health = await request(running.url, 'GET', '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'storage_failed' });
    await running.close().catch(() => undefined);

    const restarted = await start(dir);
    const ann = await request(restarted.url, 'GET', '/api/raffles/main/participants/ann');
    expect(ann.status).toBe(200);
    // The failed write was never acknowledged: it may or may not have reached the disk.
    expect([5, 105]).toContain(ann.body.tickets);
    const bo = await request(restarted.url, 'GET', '/api/raffles/main/participants/bo');
    expect(bo.body).toMatchObject({ tickets: 3 });
    expect((await issue(restarted.url, 'bo', 1)).body).toMatchObject({ tickets: 4 });
  });

  it('at ten times the queue bound, answers what does not fit 503 queue_full with Retry-After and keeps the queue bounded', async () => {
    const queueLengthMax = 50;
    // A disk that holds the first sync of the flood until the queue behind it is full (or a few
    // seconds have passed), so that the flood surely meets a full queue however fast the machine.
    let armed = false;
    let held: Promise<void> | undefined;
    const holdUntilFull = (): Promise<void> =>
      new Promise((resolve) => {
        const poll = setInterval(() => {
          if (running.engine.stats().queueLength < queueLengthMax) return;
          clearInterval(poll);
          resolve();
        }, 2);
        setTimeout(() => {
          clearInterval(poll);
          resolve();
        }, 3_000);
      });
    const faulty = new FaultyFileSystem(nodeFileSystem, {
      syncDelay: (call) => {
        if (!armed || call.op !== 'datasync') return Promise.resolve();
        held ??= holdUntilFull();
        return held;
      },
    });
    const running = await start(dataDir(), faulty, { queueLengthMax, batchSizeMax: 10 });
    armed = true;
    let longest = 0;
    const sampler = setInterval(() => {
      longest = Math.max(longest, running.engine.stats().queueLength);
    }, 1);
    const replies = await Promise.all(
      Array.from({ length: 10 * queueLengthMax }, (_, i) => issue(running.url, `u${i % 40}`, 1)),
    );
    clearInterval(sampler);
    const full = replies.filter((reply) => reply.status === 503);
    const ok = replies.filter((reply) => reply.status === 200);
    expect(full.length).toBeGreaterThan(0);
    expect(ok.length + full.length).toBe(replies.length);
    for (const reply of full) {
      expect(reply.body).toMatchObject({ reason: 'queue_full' });
      expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(longest).toBeGreaterThan(0);
    expect(longest).toBeLessThanOrEqual(queueLengthMax);
    // Every admitted write is in the state, and nothing refused is.
    const figures = await request(running.url, 'GET', '/api/raffles/main');
    expect(figures.body.totalTickets).toBe(ok.length);
  });
});
