/**
 * Several instances on one shared log in a real 3-member etcd cluster (started by
 * scripts/etcd-cluster.ts on loopback ports): they converge under concurrent writes through all of
 * them, each equals a replay of the log, the fence gives each index to one writer, a retry sent to
 * another instance is answered once, and an empty instance catches up after the log was pruned and
 * etcd's history compacted. Each test keeps its keys under a prefix of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, type EtcdCluster } from '../../scripts/etcd-cluster.js';
import type { RunningServer } from '../../src/server/server.js';
import { EtcdLog } from '../../src/replication/etcd-log.js';
import { decodeEntry, encodeEntry, encodeStamped } from '../../src/replication/log-entry.js';
import { StateMachine } from '../../src/engine/state-machine.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { Replica } from '../../src/replication/replica.js';
import type { RawEntry } from '../../src/replication/log-entry.js';
import { pino } from 'pino';
import { request } from '../support/server.js';
import { freshPrefix, skipEtcd, startInstance, waitConverged } from '../support/etcd.js';

let cluster: EtcdCluster;
const running: RunningServer[] = [];
const logs: EtcdLog[] = [];

beforeAll(async () => {
  if (!skipEtcd) cluster = await startEtcdCluster();
}, 60_000);

afterAll(async () => {
  for (const server of running) await server.close();
  for (const log of logs) log.close();
  await cluster?.stop();
}, 60_000);

async function instances(prefix: string, count: number, snapshotEveryCommands = 1_000_000) {
  const started: RunningServer[] = [];
  for (let i = 0; i < count; i += 1) {
    const server = await startInstance(cluster.endpoints, prefix, { snapshotEveryCommands });
    running.push(server);
    started.push(server);
  }
  return started;
}

function logOf(prefix: string): EtcdLog {
  const log = new EtcdLog({ endpoints: cluster.endpoints, prefix, timeoutMs: 2_000 });
  logs.push(log);
  return log;
}

/** Replays every entry of the log into a fresh state machine: what any instance must equal. */
async function replayOf(prefix: string): Promise<StateMachine> {
  const log = logOf(prefix);
  const machine = new StateMachine(createKindRegistry(), {
    rafflesMax: 1,
    participantsPerRaffleMax: 1,
  });
  for (let next = 1; ;) {
    const { entries } = await log.read(next, 32);
    for (const raw of entries) {
      expect(raw.index).toBe(next);
      for (const stamped of decodeEntry(raw).commands) machine.apply(stamped);
      next += 1;
    }
    if (entries.length < 32) return machine;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A seeded generator (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe.skipIf(skipEtcd)('shared log on a 3-member etcd', () => {
  it('converge: concurrent writes through three instances leave equal digests, equal to a replay of the log', async () => {
    const prefix = freshPrefix('converge');
    const servers = await instances(prefix, 3);
    const seed = Date.now() % 1_000_000;
    const next = random(seed);
    let issued = 0;
    let drawn = 0;
    const clients = Array.from({ length: 6 }, async (_, client) => {
      for (let op = 0; op < 25; op += 1) {
        const server = servers[(client + op) % 3] as RunningServer;
        const pick = next();
        const username = `u${Math.floor(next() * 12)}`;
        const key = { 'Idempotency-Key': `c${client}-${op}` };
        if (pick < 0.6) {
          const count = 1 + Math.floor(next() * 5);
          const reply = await request(
            server.url,
            'POST',
            '/api/raffles/main/tickets',
            { username, count },
            key,
          );
          expect(reply.status, `seed ${seed}`).toBe(200);
          issued += count;
        } else if (pick < 0.9) {
          const to = `u${Math.floor(next() * 12)}`;
          const reply = await request(
            server.url,
            'POST',
            '/api/raffles/main/transfers',
            { from: username, to, count: 1 },
            key,
          );
          expect([200, 400, 404, 409], `seed ${seed}`).toContain(reply.status);
        } else {
          const reply = await request(
            server.url,
            'POST',
            '/api/raffles/main/draws',
            undefined,
            key,
          );
          expect([201, 409], `seed ${seed}`).toContain(reply.status);
          if (reply.status === 201) drawn += 1;
        }
      }
    });
    await Promise.all(clients);
    const reports = await waitConverged(servers.map((server) => server.url));
    expect(new Set(reports.map((report) => report.digest.sha256)).size, `seed ${seed}`).toBe(1);
    expect(new Set(reports.map((report) => report.instanceId)).size).toBe(3);
    const replay = await replayOf(prefix);
    expect(replay.digest()).toBe(reports[0]?.digest.sha256);
    for (const server of servers) {
      const stats = await request(server.url, 'GET', '/api/raffles/main');
      expect(stats.body.totalTickets, `seed ${seed}`).toBe(issued - drawn);
    }
  }, 60_000);

  it('fence: two writers racing for the same index, one owns it and the other reads its entry', async () => {
    const prefix = freshPrefix('fence');
    const [a, b] = [logOf(prefix), logOf(prefix)];
    const entryOf = (index: number, writer: string) =>
      encodeEntry({ index, writer, nonce: writer }, [
        encodeStamped({
          seq: index,
          atMs: 0,
          command: { kind: 'engine', type: 'configure', limits: {} },
        }),
      ]);
    for (let index = 1; index <= 20; index += 1) {
      const mine = entryOf(index, 'a');
      const theirs = entryOf(index, 'b');
      const [first, second] = await Promise.all([
        a.append(index, mine, 4),
        b.append(index, theirs, 4),
      ]);
      expect([first.committed, second.committed].filter(Boolean)).toHaveLength(1);
      const loser = first.committed ? second : first;
      const winner = first.committed ? mine : theirs;
      expect(loser.committed).toBe(false);
      if (!loser.committed) expect(loser.found[0]?.value.equals(winner)).toBe(true);
    }
    // Nobody may write past the end (a gap) or take an index twice.
    expect((await a.append(22, entryOf(22, 'a'), 4)).committed).toBe(false);
    expect((await a.append(20, entryOf(20, 'a'), 4)).committed).toBe(false);
    const { entries } = await a.read(1, 32);
    expect(entries.map((entry) => entry.index)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  }, 30_000);

  it('fence: two instances writing at once both get answers, every command once in the log', async () => {
    const prefix = freshPrefix('race');
    const [a, b] = (await instances(prefix, 2)) as [RunningServer, RunningServer];
    for (let round = 0; round < 10; round += 1) {
      const replies = await Promise.all(
        [a, b].flatMap((server, s) =>
          Array.from({ length: 5 }, (_, i) =>
            request(server.url, 'POST', '/api/raffles/main/tickets', {
              username: `r${round}-${s}-${i}`,
              count: 1,
            }),
          ),
        ),
      );
      expect(replies.map((reply) => reply.status)).toEqual(Array(10).fill(200));
    }
    const reports = await waitConverged([a.url, b.url]);
    expect(reports[0]?.digest.sha256).toBe(reports[1]?.digest.sha256);
    const list = await request(a.url, 'GET', '/api/raffles/main/participants?limit=1000');
    expect(list.body.participants).toHaveLength(100);
    expect(list.body.participants.every((p: { tickets: number }) => p.tickets === 1)).toBe(true);
    const replay = await replayOf(prefix);
    expect(replay.digest()).toBe(reports[0]?.digest.sha256);
  }, 60_000);

  it('idempotency: a retry sent to another instance is answered once, with the first answer', async () => {
    const prefix = freshPrefix('retry');
    const [a, b] = (await instances(prefix, 2)) as [RunningServer, RunningServer];
    const key = { 'Idempotency-Key': 'retry-1' };
    const body = { username: 'alice', count: 5 };
    const first = await request(a.url, 'POST', '/api/raffles/main/tickets', body, key);
    expect(first.status).toBe(200);
    await waitConverged([a.url, b.url]);
    const again = await request(b.url, 'POST', '/api/raffles/main/tickets', body, key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const other = await request(
      b.url,
      'POST',
      '/api/raffles/main/tickets',
      { ...body, count: 6 },
      key,
    );
    expect(other.status).toBe(422);
    expect(other.body.reason).toBe('idempotency_key_reused');
    await waitConverged([a.url, b.url]);
    for (const server of [a, b]) {
      const alice = await request(server.url, 'GET', '/api/raffles/main/participants/alice');
      expect(alice.body.tickets).toBe(5);
    }
  }, 30_000);

  it('catch-up: an empty instance joins after old entries were pruned and etcd history compacted', async () => {
    const prefix = freshPrefix('catchup');
    const [a, b] = (await instances(prefix, 2, 40)) as [RunningServer, RunningServer];
    for (let op = 0; op < 30; op += 1) {
      const items = Array.from({ length: 5 }, (_, i) => ({
        username: `p${op}-${i}`,
        count: 1 + i,
      }));
      await Promise.all([
        request(a.url, 'POST', '/api/raffles/main/tickets', { username: `a${op}`, count: 2 }),
        request(b.url, 'POST', '/api/raffles/main/tickets/bulk', { items }),
        request(b.url, 'POST', '/api/raffles/main/tickets', { username: `b${op}`, count: 3 }),
      ]);
    }
    const before = await waitConverged([a.url, b.url]);
    const log = logOf(prefix);
    // Snapshots were stored, the oldest entries are gone, and so is etcd's old history.
    const metas = await log.snapshotMetas();
    expect(metas.length).toBeGreaterThanOrEqual(1);
    const { entries } = await log.read(1, 1);
    expect(entries[0]?.index).toBeGreaterThan(1);
    await expect(log.client.get(`${prefix}log-start`).revision(1).exec()).rejects.toThrow(
      /compacted/,
    );

    const late = await instances(prefix, 1, 40);
    const joined = late[0] as RunningServer;
    expect(joined.replicated?.replica.snapshotsLoaded).toBe(1);
    const after = await waitConverged([a.url, b.url, joined.url]);
    expect(new Set(after.map((report) => report.digest.sha256)).size).toBe(1);
    expect(after[0]?.appliedSeq).toBeGreaterThanOrEqual(before[0]?.appliedSeq ?? 0);
    // The late instance writes too, and the others apply it.
    const reply = await request(joined.url, 'POST', '/api/raffles/main/tickets', {
      username: 'late',
      count: 7,
    });
    expect(reply.status).toBe(200);
    const final = await waitConverged([a.url, b.url, joined.url]);
    expect(new Set(final.map((report) => report.digest.sha256)).size).toBe(1);
  }, 60_000);

  it('watch: a watch that fell behind a compaction is cancelled, and the replica reads ranges and watches again', async () => {
    const prefix = freshPrefix('compacted');
    const [a] = (await instances(prefix, 1)) as [RunningServer];
    const issue = (username: string) =>
      request(a.url, 'POST', '/api/raffles/main/tickets', { username, count: 1 });
    for (let i = 0; i < 5; i += 1) expect((await issue(`before${i}`)).status).toBe(200);
    const log = logOf(prefix);
    const { revision } = await log.read(1, 1);
    await log.client.kv.compact({ revision, physical: true });

    // The primitive: etcd cancels a watch that starts before the compacted revision.
    const cancelled = await new Promise<Error>((resolve) => {
      const watch = log.watch(
        '1',
        () => undefined,
        (error) => {
          void watch.close();
          resolve(error);
        },
      );
    });
    expect(cancelled.message).toMatch(/cancel/i);

    // A replica whose first watch starts there (as a watch does that fell behind while its
    // instance slept); its periodic read is off, so only a new watch can bring later entries.
    class LaggingLog extends EtcdLog {
      private lagging = true;
      override watch(
        from: string,
        onEntry: (entry: RawEntry) => void,
        onBroken: (error: Error) => void,
      ) {
        const start = this.lagging ? '1' : from;
        this.lagging = false;
        return super.watch(start, onEntry, onBroken);
      }
    }
    const lagging = new LaggingLog({ endpoints: cluster.endpoints, prefix, timeoutMs: 2_000 });
    logs.push(lagging);
    const replica = await Replica.open({
      log: lagging,
      registry: createKindRegistry(),
      initialLimits: { rafflesMax: 1, participantsPerRaffleMax: 1 },
      instanceId: 'lagging',
      logger: pino({ level: 'silent' }),
      snapshotEveryCommands: 1_000_000,
      pollMs: 3_600_000,
    });
    try {
      for (let i = 0; i < 5; i += 1) expect((await issue(`after${i}`)).status).toBe(200);
      const target = a.replicated?.replica.index ?? 0;
      const deadline = Date.now() + 15_000;
      while (replica.index < target && Date.now() < deadline) await sleep(50);
      expect(replica.watchesBroken).toBe(1);
      expect(replica.index).toBe(target);
      expect(replica.stateMachine.digest()).toBe(a.engine.stateMachine.digest());
    } finally {
      await replica.close();
    }
  }, 30_000);

  it('secret: instances on one log share the server secret, so a code handed out by one verifies on another', async () => {
    const prefix = freshPrefix('secret');
    const log = logOf(prefix);
    const first = await log.sharedSecret('a'.repeat(64));
    expect((await log.sharedSecret('b'.repeat(64))).equals(first)).toBe(true);
    const [a, b] = (await instances(prefix, 2)) as [RunningServer, RunningServer];
    const created = await request(a.url, 'POST', '/api/prize-raffles', {
      name: 'Shared',
      ticketCount: 1,
      prizes: [{ name: 'Bike' }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const claim = await request(a.url, 'POST', `/api/prize-raffles/${id}/entries`);
    expect(claim.status).toBe(201);
    expect((await request(a.url, 'POST', `/api/prize-raffles/${id}/draws`)).status).toBe(201);
    await waitConverged([a.url, b.url]);
    const verified = await request(b.url, 'POST', `/api/prize-raffles/${id}/verifications`, {
      ticketNumber: claim.body.ticketNumber,
      verificationCode: claim.body.verificationCode,
    });
    expect(verified.status).toBe(200);
    expect(verified.body.won).toBe(true);
  }, 30_000);
});
