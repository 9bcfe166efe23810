/**
 * Crashes on the shared log, with real processes: three service instances on a 3-member etcd
 * cluster take concurrent writes (each with an idempotency key, retried on another instance when
 * an instance dies or answers 503) while the etcd leader is killed with SIGKILL and restarted, a
 * service instance is killed with SIGKILL and restarted on its data directory, another is paused
 * with SIGSTOP while the log moves on past two snapshots (entries pruned, etcd's history
 * compacted), and an instance with an empty data directory joins late. Then every instance reports the same digest at the same sequence number, and every
 * acknowledged write is there exactly once: each write gave a username of its own its own count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, type EtcdCluster } from '../../scripts/etcd-cluster.js';
import { startServerProcess, type ServerProcess } from '../../load/runner/server-process.js';
import { request } from '../support/server.js';
import { freshPrefix, skipEtcd, waitConverged } from '../support/etcd.js';

let cluster: EtcdCluster;
const processes: ServerProcess[] = [];
const dataDirs: string[] = [];

beforeAll(async () => {
  if (!skipEtcd) cluster = await startEtcdCluster();
}, 60_000);

afterAll(async () => {
  for (const service of processes) {
    service.kill('SIGCONT');
    await service.stop({ graceMs: 5_000 });
  }
  await cluster?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skipEtcd)('SIGKILL and SIGSTOP on the shared log', () => {
  it('nothing acknowledged is lost, nothing is applied twice, every instance agrees', async () => {
    const prefix = freshPrefix('crash');
    const start = async (dataDir: string): Promise<ServerProcess> => {
      const service = await startServerProcess({
        fromSource: true,
        env: {
          COMMAND_LOG: 'etcd',
          ETCD_ENDPOINTS: cluster.endpoints.join(','),
          ETCD_PREFIX: prefix,
          ETCD_TIMEOUT_MS: '1000',
          DATA_DIR: dataDir,
          SNAPSHOT_EVERY_COMMANDS: '150',
          LOG_LEVEL: 'info',
        },
        startTimeoutMs: 60_000,
      });
      processes.push(service);
      return service;
    };
    const newDataDir = (): string => {
      const dir = mkdtempSync(join(tmpdir(), 'raffle-crash-instance-'));
      dataDirs.push(dir);
      return dir;
    };
    const dirs = [newDataDir(), newDataDir(), newDataDir()];
    // Instances in rotation for the writers; a slot is swapped when its instance is replaced.
    const live: (ServerProcess | undefined)[] = [];
    for (const dir of dirs) live.push(await start(dir));

    const acknowledged = new Map<string, number>();
    let stopping = false;
    let sent = 0;
    const write = async (client: number, op: number): Promise<void> => {
      const username = `w${client}-${op}`;
      const count = 1 + ((client * 7 + op) % 3);
      for (let attempt = 0; ; attempt += 1) {
        const service = live[(client + op + attempt) % live.length];
        if (service !== undefined) {
          try {
            const reply = await fetch(`${service.url}/api/raffles/main/tickets`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'idempotency-key': username },
              body: JSON.stringify({ username, count }),
              signal: AbortSignal.timeout(4_000),
            });
            const body = (await reply.json()) as { tickets?: number; reason?: string };
            if (reply.status === 200) {
              expect(body.tickets).toBe(count);
              acknowledged.set(username, count);
              return;
            }
            expect(reply.status).toBe(503);
          } catch {
            // The instance died or hangs (SIGSTOP): the same key goes to another one.
          }
        }
        await sleep(100);
      }
    };
    const writers = Array.from({ length: 6 }, async (_, client) => {
      for (let op = 0; !stopping; op += 1) {
        sent += 1;
        await write(client, op);
      }
    });
    const waitForSent = async (more: number): Promise<void> => {
      const target = sent + more;
      while (sent < target) await sleep(50);
    };

    await waitForSent(150);
    const leader = await cluster.leader();
    leader.kill('SIGKILL');
    await leader.exited();
    await waitForSent(150);
    await leader.restart();

    const killed = live[1] as ServerProcess;
    killed.kill('SIGKILL');
    await killed.exited;
    live[1] = undefined;
    await waitForSent(100);
    live[1] = await start(dirs[1] as string);

    const frozen = live[2] as ServerProcess;
    live[2] = undefined;
    frozen.kill('SIGSTOP');
    await waitForSent(400);
    frozen.kill('SIGCONT');
    live[2] = frozen;

    const late = await start(newDataDir());
    live.push(late);
    await waitForSent(100);
    stopping = true;
    await Promise.all(writers);

    const urls = live.map((service) => (service as ServerProcess).url);
    const reports = await waitConverged(urls, 60_000);
    expect(new Set(reports.map((report) => report.digest.sha256)).size).toBe(1);
    expect(new Set(reports.map((report) => report.instanceId)).size).toBe(4);
    const list = await request(
      urls[0] as string,
      'GET',
      '/api/raffles/main/participants?limit=1000',
    );
    const held = new Map<string, number>();
    for (let cursor: string | null = null, first = true; first || cursor !== null; first = false) {
      const page = first
        ? list
        : await request(
            urls[0] as string,
            'GET',
            `/api/raffles/main/participants?limit=1000&cursor=${encodeURIComponent(cursor as string)}`,
          );
      for (const p of page.body.participants as { username: string; tickets: number }[]) {
        held.set(p.username, p.tickets);
      }
      cursor = page.body.nextCursor as string | null;
    }
    expect(held.size).toBe(acknowledged.size);
    for (const [username, count] of acknowledged) expect(held.get(username), username).toBe(count);
  }, 180_000);
});
