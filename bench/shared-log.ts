/**
 * Shared-log benchmark (`npm run bench:shared-log`): what a command log in etcd costs beside the
 * local journal, and how long an empty instance takes to catch up.
 *
 * 1. Throughput and latency over HTTP (autocannon, one request in flight per connection), same
 *    run, on this machine: the service on its local journal (fsync), one instance on a 3-member
 *    etcd cluster, and three instances on it with the load spread over them. Two workloads: single
 *    issues (`POST /api/raffles/main/tickets`) and bulk issues of `--bulk-items` items.
 * 2. Catch-up: `--participants` participants are issued in bulk through one instance (with a
 *    snapshot every half of them, so etcd holds a snapshot near the end and the log after it),
 *    then an instance with an empty data directory starts; the time from its start to the moment
 *    it has applied everything, and the parts its log reports (snapshot load, replay). Then the
 *    same log without any snapshot, replayed from its first entry.
 *
 * Everything runs on this machine (etcd members, service processes and the load generator share
 * its cores), so the figures are a floor for separate machines. Options: `--duration S`
 * (default 8), `--connections N` (default 32), `--bulk-items N` (default 1000), `--participants N`
 * (default 1000000), `--json FILE` (default load/results/shared-log-bench.json).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEtcdCluster, type EtcdCluster } from '../scripts/etcd-cluster.js';
import { drive, type DriveResult } from '../load/runner/drive.js';
import { startServerProcess, type ServerProcess } from '../load/runner/server-process.js';
import { EtcdLog } from '../src/replication/etcd-log.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    'bulk-items': { type: 'string', default: '1000' },
    participants: { type: 'string', default: '1000000' },
    json: { type: 'string', default: 'load/results/shared-log-bench.json' },
  },
});
const durationS = Number(values.duration);
const connections = Number(values.connections);
const bulkItems = Number(values['bulk-items']);
const participants = Number(values.participants);

const dirs: string[] = [];
const tempDir = (name: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `raffle-bench-${name}-`));
  dirs.push(dir);
  return dir;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Health {
  appliedSeq: number;
}

async function health(url: string): Promise<Health> {
  const response = await fetch(`${url}/healthz`);
  return (await response.json()) as Health;
}

function etcdEnv(cluster: EtcdCluster, prefix: string, extra: Record<string, string> = {}) {
  return {
    COMMAND_LOG: 'etcd',
    ETCD_ENDPOINTS: cluster.endpoints.join(','),
    ETCD_PREFIX: prefix,
    DATA_DIR: tempDir('instance'),
    LOG_LEVEL: 'info',
    ...extra,
  };
}

interface Row {
  setup: string;
  workload: string;
  requestsPerS: number;
  commandsPerS: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Drives every instance at once for the same time; sums throughput, keeps the worst p99. */
async function measure(
  setup: string,
  workload: 'single' | 'bulk',
  urls: readonly string[],
): Promise<Row> {
  let counter = 0;
  const next = () => {
    counter += 1;
    if (workload === 'single') {
      return {
        method: 'POST' as const,
        path: '/api/raffles/main/tickets',
        body: JSON.stringify({ username: `s${counter % 50_000}`, count: 1 }),
      };
    }
    const items = Array.from({ length: bulkItems }, (_, i) => ({
      username: `b${(counter * bulkItems + i) % 200_000}`,
      count: 1,
    }));
    return {
      method: 'POST' as const,
      path: '/api/raffles/main/tickets/bulk',
      body: JSON.stringify({ items }),
    };
  };
  const perInstance = Math.max(1, Math.round(connections / urls.length));
  const results: DriveResult[] = await Promise.all(
    urls.map((url) => drive({ url, connections: perInstance, durationS, next })),
  );
  const requestsPerS = results.reduce((sum, result) => sum + result.requestsPerS, 0);
  const errors = results.reduce(
    (sum, result) =>
      sum +
      result.unanswered +
      Object.entries(result.statusCounts)
        .filter(([status]) => status !== '200')
        .reduce((n, [, count]) => n + count, 0),
    0,
  );
  const row: Row = {
    setup,
    workload: workload === 'single' ? 'single issue' : `bulk issue of ${bulkItems}`,
    requestsPerS: Math.round(requestsPerS),
    commandsPerS: Math.round(requestsPerS * (workload === 'single' ? 1 : bulkItems)),
    p50Ms: Math.max(...results.map((result) => result.latencyMs.p50)),
    p99Ms: Math.max(...results.map((result) => result.latencyMs.p99)),
    errors,
  };
  console.log(JSON.stringify(row));
  return row;
}

async function throughput(cluster: EtcdCluster): Promise<Row[]> {
  const rows: Row[] = [];
  const setups: { name: string; start(): Promise<ServerProcess[]> }[] = [
    {
      name: 'local journal (fsync), 1 instance',
      start: async () => [
        await startServerProcess({ env: { DATA_DIR: tempDir('journal'), DURABILITY: 'fsync' } }),
      ],
    },
    {
      name: 'etcd (3 members), 1 instance',
      start: async () => [await startServerProcess({ env: etcdEnv(cluster, 'bench-one/') })],
    },
    {
      name: 'etcd (3 members), 3 instances',
      start: async () => {
        const started: ServerProcess[] = [];
        for (let i = 0; i < 3; i += 1) {
          started.push(await startServerProcess({ env: etcdEnv(cluster, 'bench-three/') }));
        }
        return started;
      },
    },
  ];
  for (const setup of setups) {
    const services = await setup.start();
    const urls = services.map((service) => service.url);
    for (const workload of ['single', 'bulk'] as const)
      rows.push(await measure(setup.name, workload, urls));
    for (const service of services) await service.stop();
  }
  return rows;
}

interface CatchUp {
  participants: number;
  commands: number;
  withSnapshot: boolean;
  /** From the empty instance's start to the moment it applied everything (process start included). */
  joinMs: number;
  /** What its log reports: the catch-up itself (snapshot load and replay), without process start. */
  catchUpMs: number;
  snapshotLoadMs: number | null;
  snapshotBytes: number | null;
}

function logLines(service: ServerProcess): Record<string, unknown>[] {
  return service
    .status()
    .stdout.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function catchUp(cluster: EtcdCluster, withSnapshot: boolean): Promise<CatchUp> {
  const prefix = `bench-catchup-${withSnapshot ? 'snapshot' : 'log'}/`;
  const perRequest = 10_000;
  const requests = Math.ceil(participants / perRequest);
  const snapshotEvery = withSnapshot ? String(Math.max(2, Math.floor(requests / 2))) : '1000000000';
  const writer = await startServerProcess({
    env: etcdEnv(cluster, prefix, { SNAPSHOT_EVERY_COMMANDS: snapshotEvery }),
  });
  for (let r = 0; r < requests; r += 4) {
    await Promise.all(
      Array.from({ length: Math.min(4, requests - r) }, async (_, k) => {
        const base = (r + k) * perRequest;
        const items = Array.from({ length: Math.min(perRequest, participants - base) }, (_, i) => ({
          username: `p${base + i}`,
          count: 1 + ((base + i) % 5),
        }));
        const response = await fetch(`${writer.url}/api/raffles/main/tickets/bulk`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ items }),
        });
        if (response.status !== 200) throw new Error(`bulk issue: ${response.status}`);
        await response.text();
      }),
    );
  }
  const target = (await health(writer.url)).appliedSeq;
  let snapshotBytes: number | null = null;
  if (withSnapshot) {
    const log = new EtcdLog({ endpoints: cluster.endpoints, prefix, timeoutMs: 5_000 });
    for (let waited = 0; ; waited += 1) {
      const newest = (await log.snapshotMetas()).at(-1);
      if (newest !== undefined && newest.seq >= target - requests) {
        snapshotBytes = newest.bytes;
        break;
      }
      if (waited > 600) throw new Error('no snapshot was stored');
      await sleep(100);
    }
    log.close();
  }
  const started = performance.now();
  const joined = await startServerProcess({
    env: etcdEnv(cluster, prefix),
    startTimeoutMs: 600_000,
  });
  while ((await health(joined.url)).appliedSeq < target) await sleep(20);
  const joinMs = Math.round(performance.now() - started);
  const lines = logLines(joined);
  const caught = lines.find((line) => line.msg === 'caught up with the shared log');
  const loaded = lines.find((line) => line.msg === 'loaded a snapshot from etcd');
  await joined.stop();
  await writer.stop();
  const result: CatchUp = {
    participants,
    commands: target,
    withSnapshot,
    joinMs,
    catchUpMs: Number(caught?.ms ?? NaN),
    snapshotLoadMs: loaded === undefined ? null : Number(loaded.ms),
    snapshotBytes,
  };
  console.log(JSON.stringify(result));
  return result;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? 0;
  const cluster = await startEtcdCluster();
  try {
    const rows = await throughput(cluster);
    const catchUps = [await catchUp(cluster, true), await catchUp(cluster, false)];
    console.log(
      `\nload average (1 min) before ${loadBefore.toFixed(1)}, after ${(loadavg()[0] ?? 0).toFixed(1)}`,
    );
    console.log('\n| setup | workload | requests/s | commands/s | p50 ms | p99 ms | errors |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) {
      console.log(
        `| ${row.setup} | ${row.workload} | ${row.requestsPerS} | ${row.commandsPerS} | ${row.p50Ms.toFixed(1)} | ${row.p99Ms.toFixed(1)} | ${row.errors} |`,
      );
    }
    console.log(
      '\n| participants | from | join (start to applied) | catch-up | snapshot load | snapshot bytes |',
    );
    console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
    for (const c of catchUps) {
      console.log(
        `| ${c.participants} | ${c.withSnapshot ? 'snapshot + log' : 'whole log'} | ${c.joinMs} ms | ${c.catchUpMs} ms | ${c.snapshotLoadMs ?? '–'} ms | ${c.snapshotBytes ?? '–'} |`,
      );
    }
    mkdirSync(dirname(values.json), { recursive: true });
    writeFileSync(
      values.json,
      `${JSON.stringify({ durationS, connections, bulkItems, loadBefore, loadAfter: loadavg()[0], rows, catchUps }, null, 2)}\n`,
    );
  } finally {
    await cluster.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
