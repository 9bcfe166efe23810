/**
 * Group commit over HTTP: with the journal's fsync on, concurrent requests share fsyncs, as the
 * service's own metrics count them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { request, startTestServer } from '../support/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'raffle-group-'));
let running: RunningServer;

beforeAll(async () => {
  running = await startTestServer({ durability: 'fsync', dataDir });
});

afterAll(async () => {
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function metric(name: string): Promise<number> {
  const text = (await request(running.url, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  expect(line, name).toBeDefined();
  return Number(line?.split(' ')[1]);
}

it('600 concurrent issues are acknowledged with far fewer fsyncs', async () => {
  const fsyncsBefore = await metric('raffle_journal_fsyncs_total');
  const commandsBefore = await metric('raffle_journal_commands_total');
  const replies = await Promise.all(
    Array.from({ length: 600 }, (_, i) =>
      request(running.url, 'POST', '/api/raffles/main/tickets', { username: `u${i}`, count: 1 }),
    ),
  );
  expect(replies.every((reply) => reply.status === 200)).toBe(true);
  const fsyncs = (await metric('raffle_journal_fsyncs_total')) - fsyncsBefore;
  const commands = (await metric('raffle_journal_commands_total')) - commandsBefore;
  expect(commands).toBe(600);
  expect(fsyncs).toBeGreaterThan(0);
  // The test client shares this event loop, so requests trickle in; a third is still far below one
  // fsync per request (in process, 5,000 concurrent commands share at most 100).
  expect(fsyncs).toBeLessThanOrEqual(600 / 3);
  expect(running.journal?.stats.fsyncs).toBe(await metric('raffle_journal_fsyncs_total'));
});
