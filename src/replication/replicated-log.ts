/**
 * Starting an instance on the shared log: its id, its data directory, the catch-up, the writer.
 *
 * An instance needs only the etcd endpoints and a data directory: no init step, an empty etcd is
 * a new log. The data directory holds the instance's id (`instance-id`, made on first start unless
 * `INSTANCE_ID` is given) and a `LOCK` so two processes never run as one instance; the state
 * itself lives in etcd (log and snapshots), so an empty or lost data directory costs only a
 * catch-up. Start-up waits for etcd to answer for `startTimeoutMs` (etcd may be starting too)
 * before giving up with a message saying why.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { instanceLeaseSeconds, logAppendDeadlines } from '../config/limits.js';
import type { KindRegistry } from '../engine/kind.js';
import type { StateMachineLimits } from '../engine/state-machine.js';
import { lockFile } from '../journal/directory-lock.js';
import type { EtcdLog } from './etcd-log.js';
import { LogFirstQueue } from './log-first-queue.js';
import { Replica } from './replica.js';

export interface ReplicatedLogOptions {
  endpoints: readonly string[];
  prefix: string;
  timeoutMs: number;
  dataDir: string;
  /** Given by `INSTANCE_ID`; read from or written to the data directory otherwise. */
  instanceId?: string | undefined;
  registry: KindRegistry;
  initialLimits: StateMachineLimits;
  snapshotEveryCommands: number;
  queueLengthMax: number;
  batchSizeMax: number;
  logger: Logger;
  /** How long start-up waits for etcd. @default 60000 */
  startTimeoutMs?: number;
  /** @default logPollMs */
  pollMs?: number;
}

export interface ReplicatedLog {
  instanceId: string;
  log: EtcdLog;
  replica: Replica;
  queue: LogFirstQueue;
  /** Registers the instance (its URL) in etcd, so operators and peers can list instances. */
  register(url: string): Promise<void>;
}

const lockFileName = 'LOCK';
const idFileName = 'instance-id';

/** The instance id: given, or kept in the data directory, or made now and kept there. */
export function instanceIdOf(dataDir: string, given: string | undefined): string {
  if (given !== undefined) return given;
  const path = join(dataDir, idFileName);
  if (existsSync(path)) {
    const kept = readFileSync(path, 'utf8').trim();
    if (kept.length > 0) return kept;
  }
  const made = `${hostname()}-${randomBytes(4).toString('hex')}`;
  writeFileSync(path, `${made}\n`);
  return made;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function openReplicatedLog(options: ReplicatedLogOptions): Promise<ReplicatedLog> {
  // Loaded here rather than at the top: the etcd client and its gRPC stack are about 6 MB of live
  // heap and 200 modules that a service on its own journal never uses.
  const { EtcdLog } = await import('./etcd-log.js');
  const { logger } = options;
  mkdirSync(options.dataDir, { recursive: true });
  // The journal's own lock (an OS lock on DATA_DIR/LOCK), so no two processes run as one instance.
  const lock = lockFile(join(options.dataDir, lockFileName));
  const log = new EtcdLog({
    endpoints: options.endpoints,
    prefix: options.prefix,
    timeoutMs: options.timeoutMs,
  });
  try {
    const instanceId = instanceIdOf(options.dataDir, options.instanceId);
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    let replica: Replica | undefined;
    for (let attempt = 1; replica === undefined; attempt += 1) {
      try {
        replica = await Replica.open({
          log,
          registry: options.registry,
          initialLimits: options.initialLimits,
          instanceId,
          logger,
          snapshotEveryCommands: options.snapshotEveryCommands,
          pollMs: options.pollMs,
        });
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(
            `cannot read the shared log from etcd at ${options.endpoints.join(',')}: ${(error as Error).message}`,
            { cause: error },
          );
        }
        logger.warn({ err: error, attempt }, 'etcd does not answer yet; trying again');
        await sleep(Math.min(250 * attempt, 2_000));
      }
    }
    let unregister: (() => Promise<void>) | undefined;
    const queue = new LogFirstQueue({
      replica,
      log,
      instanceId,
      logger,
      queueLengthMax: options.queueLengthMax,
      batchSizeMax: options.batchSizeMax,
      appendGiveUpMs: logAppendDeadlines * options.timeoutMs,
      onClose: async () => {
        await unregister?.();
        log.close();
        lock.release();
      },
    });
    return {
      instanceId,
      log,
      replica,
      queue,
      async register(url) {
        try {
          unregister = await log.register(
            instanceId,
            { id: instanceId, url, pid: process.pid, startedAt: new Date().toISOString() },
            instanceLeaseSeconds,
          );
        } catch (error) {
          logger.warn({ err: error }, 'could not register this instance in etcd');
        }
      },
    };
  } catch (error) {
    log.close();
    lock.release();
    throw error;
  }
}
