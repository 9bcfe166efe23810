/**
 * Helpers for the tests on a real etcd cluster: whether they can run, instances of the service in
 * this process on a shared log, and waiting for instances to agree.
 *
 * Without an etcd binary the suites are skipped outside CI (a developer without Debian's
 * `etcd-server` still runs everything else); in CI (`CI` set) a missing binary fails them, so a
 * broken install step cannot pass unnoticed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { etcdAvailable } from '../../scripts/etcd-cluster.js';
import { defaultConfig, type Config } from '../../src/server/env.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { request } from './server.js';

/** True when the etcd suites must be skipped (no binary, and not in CI). */
export const skipEtcd = !etcdAvailable() && process.env.CI === undefined;

let prefixes = 0;

/** A key prefix of its own for one test, so tests share a cluster without seeing each other. */
export function freshPrefix(name: string): string {
  prefixes += 1;
  return `test-${process.pid}-${name}-${prefixes}/`;
}

/** An instance of the service in this process on the shared log, with its own data directory. */
export function startInstance(
  endpoints: readonly string[],
  prefix: string,
  overrides: Partial<Config> = {},
): Promise<RunningServer> {
  const config = defaultConfig({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    commandLog: 'etcd',
    etcdEndpoints: endpoints,
    etcdPrefix: prefix,
    etcdTimeoutMs: 500,
    dataDir: mkdtempSync(join(tmpdir(), 'raffle-instance-')),
    ...overrides,
  });
  return startServer(config, pino({ level: 'silent' }));
}

export interface Health {
  appliedSeq: number;
  digest: { seq: number; sha256: string };
  instanceId: string;
  logIndex: number;
  [field: string]: unknown;
}

export async function healthOf(url: string): Promise<Health> {
  const reply = await request(url, 'GET', '/healthz');
  return reply.body as Health;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until every instance reports the same applied sequence number and a digest of that very
 * state, and returns the reports. Throws with the last reports after `timeoutMs`.
 */
export async function waitConverged(
  urls: readonly string[],
  timeoutMs = 20_000,
): Promise<Health[]> {
  const deadline = Date.now() + timeoutMs;
  let reports: Health[] = [];
  for (;;) {
    reports = await Promise.all(urls.map((url) => healthOf(url)));
    const seqs = new Set(reports.map((report) => report.appliedSeq));
    const current = reports.every((report) => report.digest.seq === report.appliedSeq);
    if (seqs.size === 1 && current) return reports;
    if (Date.now() > deadline) {
      throw new Error(`instances did not converge: ${JSON.stringify(reports, null, 1)}`);
    }
    await sleep(100);
  }
}
