/**
 * The shared log when etcd members fail, on a real 3-member cluster of its own: a paused leader
 * (SIGSTOP: its connections stay open but nothing answers) costs an election and a few retries,
 * and every write is applied exactly once; with two members paused there is no majority, so
 * writes are refused with 503 `log_unavailable` and `Retry-After` while reads are still served,
 * and writes resume once the members are back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, type EtcdCluster, type EtcdMember } from '../../scripts/etcd-cluster.js';
import type { RunningServer } from '../../src/server/server.js';
import { request } from '../support/server.js';
import { freshPrefix, skipEtcd, startInstance, waitConverged } from '../support/etcd.js';

let cluster: EtcdCluster;
const running: RunningServer[] = [];
const paused = new Set<EtcdMember>();

beforeAll(async () => {
  if (!skipEtcd) cluster = await startEtcdCluster();
}, 60_000);

afterAll(async () => {
  for (const member of paused) member.kill('SIGCONT');
  for (const server of running) await server.close();
  await cluster?.stop();
}, 60_000);

async function instances(prefix: string, count: number) {
  const started: RunningServer[] = [];
  for (let i = 0; i < count; i += 1) {
    const server = await startInstance(cluster.endpoints, prefix, { etcdTimeoutMs: 1_000 });
    running.push(server);
    started.push(server);
  }
  return started;
}

function pause(member: EtcdMember): void {
  member.kill('SIGSTOP');
  paused.add(member);
}

function resume(member: EtcdMember): void {
  member.kill('SIGCONT');
  paused.delete(member);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Issues one ticket under a key until acknowledged, retrying 503s with the same key. */
async function issueUntilAcknowledged(url: string, username: string, deadlineMs: number) {
  for (;;) {
    const reply = await request(
      url,
      'POST',
      '/api/raffles/main/tickets',
      { username, count: 1 },
      { 'Idempotency-Key': `key-${username}` },
    );
    if (reply.status === 200) return reply;
    expect(reply.status).toBe(503);
    expect(reply.body.reason).toBe('log_unavailable');
    if (Date.now() > deadlineMs) throw new Error(`${username} not acknowledged in time`);
    await sleep(200);
  }
}

describe.skipIf(skipEtcd)('shared log when etcd members fail', () => {
  it('paused leader: writes go on after an election, each applied exactly once', async () => {
    const prefix = freshPrefix('paused');
    const servers = await instances(prefix, 3);
    const deadline = Date.now() + 40_000;
    let done = 0;
    const leader = await cluster.leader();
    const clients = Array.from({ length: 6 }, async (_, client) => {
      for (let op = 0; op < 15; op += 1) {
        const server = servers[(client + op) % 3] as RunningServer;
        await issueUntilAcknowledged(server.url, `p${client}-${op}`, deadline);
        done += 1;
        if (done === 20) pause(leader);
      }
    });
    await Promise.all(clients);
    const newLeader = await cluster.leader();
    expect(newLeader).not.toBe(leader);
    resume(leader);
    const reports = await waitConverged(servers.map((server) => server.url));
    expect(new Set(reports.map((report) => report.digest.sha256)).size).toBe(1);
    const list = await request(servers[0]!.url, 'GET', '/api/raffles/main/participants?limit=1000');
    expect(list.body.participants).toHaveLength(90);
    expect(list.body.participants.every((p: { tickets: number }) => p.tickets === 1)).toBe(true);
  }, 90_000);

  it('no majority: writes get 503 log_unavailable with Retry-After, reads are served, writes resume', async () => {
    const prefix = freshPrefix('minority');
    const [a, b] = (await instances(prefix, 2)) as [RunningServer, RunningServer];
    const seeded = await request(a.url, 'POST', '/api/raffles/main/tickets', {
      username: 'before',
      count: 3,
    });
    expect(seeded.status).toBe(200);
    await waitConverged([a.url, b.url]);
    const [first, second] = cluster.members as [EtcdMember, EtcdMember];
    pause(first);
    pause(second);

    // The first write waits for its append until the retries run out; later ones are refused at once.
    const refused = await request(
      a.url,
      'POST',
      '/api/raffles/main/tickets',
      { username: 'during', count: 1 },
      { 'Idempotency-Key': 'key-during' },
    );
    expect(refused.status).toBe(503);
    expect(refused.body.reason).toBe('log_unavailable');
    expect(refused.headers.get('retry-after')).toBe('1');
    const atOnce = await request(b.url, 'POST', '/api/raffles/main/draws', undefined);
    expect(atOnce.status).toBe(503);
    expect(atOnce.body.reason).toBe('log_unavailable');
    for (const server of [a, b]) {
      const read = await request(server.url, 'GET', '/api/raffles/main/participants/before');
      expect(read.status).toBe(200);
      expect(read.body.tickets).toBe(3);
      const health = await request(server.url, 'GET', '/healthz');
      expect(health.body.logAvailable).toBe(false);
    }

    resume(first);
    resume(second);
    const retried = await issueUntilAcknowledged(b.url, 'during', Date.now() + 30_000);
    expect(retried.status).toBe(200);
    const reports = await waitConverged([a.url, b.url]);
    expect(reports[0]?.digest.sha256).toBe(reports[1]?.digest.sha256);
    // The refused write, retried with its key, is there once whatever became of the first try.
    const during = await request(a.url, 'GET', '/api/raffles/main/participants/during');
    expect(during.body.tickets).toBe(1);
  }, 90_000);
});
