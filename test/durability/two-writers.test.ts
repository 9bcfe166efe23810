/**
 * One writer per data directory, with real processes: two services started at the same moment on
 * one directory end with exactly one serving and the other gone with a message naming the lock;
 * the one that serves loses nothing it acknowledged, also when it is killed with SIGKILL, whose
 * lock the kernel releases so that a restart takes the directory at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../load/runner/server-process.js';
import { request } from '../support/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'raffle-two-writers-'));
const started: ServerProcess[] = [];
const env = { DATA_DIR: dataDir, DURABILITY: 'fsync', SNAPSHOT_EVERY_COMMANDS: '7' };

afterAll(async () => {
  for (const service of started) {
    service.kill('SIGKILL');
    await service.stop({ graceMs: 100 });
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function startBoth(): Promise<ServerProcess> {
  const results = await Promise.allSettled([
    startServerProcess({ fromSource: true, env }),
    startServerProcess({ fromSource: true, env }),
  ]);
  const serving = results.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  started.push(...serving);
  const refused = results.flatMap((result) =>
    result.status === 'rejected' ? [String(result.reason)] : [],
  );
  expect(serving).toHaveLength(1);
  expect(refused).toHaveLength(1);
  expect(refused[0]).toMatch(/exited with code 1 before listening/);
  expect(refused[0]).toMatch(/data directory is in use: another process holds the lock on .*LOCK/);
  return serving[0] as ServerProcess;
}

describe('two services on one data directory', () => {
  it(
    'started together: one serves, one refuses; SIGKILL then restart loses nothing acknowledged',
    { timeout: 180_000 },
    async () => {
      const answers = new Map<string, unknown>();
      let expectedTickets = 0;
      for (let round = 0; round < 3; round += 1) {
        const service = await startBoth();
        // Everything acknowledged before is there, and retries answer as the first time.
        for (const [key, answer] of answers) {
          const retried = await request(
            service.url,
            'POST',
            '/api/raffles/main/tickets',
            { username: 'ann', count: 1 + Number(key.split('-')[2]) },
            { 'Idempotency-Key': key },
          );
          expect(retried.body, key).toEqual(answer);
        }
        for (let i = 0; i < 10; i += 1) {
          const key = `round-${round}-${i}`;
          const answer = await request(
            service.url,
            'POST',
            '/api/raffles/main/tickets',
            { username: 'ann', count: 1 + i },
            { 'Idempotency-Key': key },
          );
          expect(answer.status).toBe(200);
          answers.set(key, answer.body);
          expectedTickets += 1 + i;
        }
        const ann = await request(service.url, 'GET', '/api/raffles/main/participants/ann');
        expect(ann.body).toMatchObject({ tickets: expectedTickets });
        service.kill('SIGKILL');
        await service.exited;
      }
    },
  );
});
