/**
 * Starting and stopping the whole service: engine, HTTP server and graceful shutdown.
 *
 * `startServer` is what the entry point and the end-to-end tests call. Shutdown drains first
 * (`drain.ts`): the server keeps listening, answers the requests it had admitted, and refuses new
 * ones with 503 and `Retry-After` while `/healthz` says 503. Then the engine answers whatever is
 * queued and the journal flushes and writes its last snapshot; only then are the connections
 * closed, once no request has arrived for `shutdownQuietMs`. `SHUTDOWN_GRACE_MS` bounds the whole
 * stop: half of it at most for admitted requests, the rest for the flush and the quiet period. A
 * stop that could not flush rejects, so the process exits non-zero.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { shutdownQuietMs } from '../config/limits.js';
import type { Engine } from '../engine/engine.js';
import type { CommandLog } from '../engine/command-log.js';
import type { JournalFileSystem } from '../journal/file-system.js';
import { Journal } from '../journal/journal.js';
import { createKindRegistry } from '../kinds/registry.js';
import { startRaffleEngine } from '../kinds/start-engine.js';
import { openReplicatedLog, type ReplicatedLog } from '../replication/replicated-log.js';
import { createService } from './app.js';
import { journalAuditSource, sharedLogAuditSource } from './audit-log.js';
import { Drain } from './drain.js';
import { seedSourceFor } from './seed-chains.js';
import type { Config } from './env.js';
import { loadServerSecret } from './server-secret.js';
import { HkdfSecretKeys } from './hkdf-secret-keys.js';

export interface RunningServer {
  server: Server;
  engine: Engine;
  /** The journal, when the service runs with `DURABILITY=fsync`. */
  journal: Journal | undefined;
  /** The shared log, when the service runs with `COMMAND_LOG=etcd`. */
  replicated: ReplicatedLog | undefined;
  url: string;
  port: number;
  /**
   * Graceful stop; resolves when everything admitted has been answered and the journal flushed,
   * rejects when the flush failed or did not finish within the grace period.
   */
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger,
  options: {
    log?: CommandLog;
    /** The journal's disk: a failing one in fault-injection tests. @default nodeFileSystem */
    fileSystem?: JournalFileSystem;
  } = {},
): Promise<RunningServer> {
  const limits = {
    rafflesMax: config.rafflesMax,
    participantsPerRaffleMax: config.participantsPerRaffleMax,
    idempotencyKeysMax: config.idempotencyKeysMax,
    idempotencyTtlMs: config.idempotencyTtlMs,
    idempotencyBytesMax: config.idempotencyBytesMax,
    idempotencyAnswerBytesMax: config.idempotencyAnswerBytesMax,
  };
  const registry = createKindRegistry();
  const replicated =
    options.log === undefined && config.commandLog === 'etcd'
      ? await openReplicatedLog({
          endpoints: config.etcdEndpoints,
          prefix: config.etcdPrefix,
          timeoutMs: config.etcdTimeoutMs,
          dataDir: config.dataDir,
          instanceId: config.instanceId,
          registry,
          initialLimits: limits,
          snapshotEveryCommands: config.snapshotEveryCommands,
          queueLengthMax: config.queueLengthMax,
          batchSizeMax: config.batchSizeMax,
          logger,
        })
      : undefined;
  const journal =
    options.log === undefined && replicated === undefined && config.durability === 'fsync'
      ? await Journal.open({
          dataDir: config.dataDir,
          snapshotEveryCommands: config.snapshotEveryCommands,
          snapshotEveryBytes: config.snapshotEveryBytes,
          logger,
          initialLimits: limits,
          registry,
          fileSystem: options.fileSystem,
          keepSegments: config.auditKeepJournal,
        })
      : undefined;
  // The key file lives beside the journal, so without one the secret stays in memory. Read before
  // the engine journals anything of its own: did the directory already hold state?
  // On the shared log every instance needs the same secret (a code handed out by one instance is
  // verified by another): without SECRET_KEY it is kept in etcd beside the log.
  const secret =
    replicated !== undefined && config.secretKey === undefined
      ? {
          keys: new HkdfSecretKeys(
            await replicated.log.sharedSecret(randomBytes(32).toString('hex')),
          ),
          source: 'etcd' as const,
        }
      : loadServerSecret(
          { ...config, durability: journal === undefined ? 'none' : 'fsync' },
          logger,
          (journal?.stateMachine.appliedSeq ?? 0) > 0,
        );
  const engine = await startRaffleEngine({
    ...limits,
    registry,
    defaultRaffleId: config.defaultRaffleId,
    defaultRaffleName: config.defaultRaffleName,
    queueLengthMax: config.queueLengthMax,
    batchSizeMax: config.batchSizeMax,
    log: options.log ?? journal,
    queue: replicated?.queue,
    stateMachine: replicated?.replica.stateMachine ?? journal?.stateMachine,
    // Committed randomness: seeds are links of a chain whose anchor is journaled first, its
    // secret derived from the server secret (on the shared log, each instance's writer keeps
    // chains of its own).
    seeds: seedSourceFor(secret.keys, journal?.stateMachine.seedCommitment),
  }).catch(async (error: unknown) => {
    // The shared log may refuse the start-up commands (no majority): release it before failing.
    await replicated?.queue.close();
    throw error;
  });
  const drain = new Drain();
  const { listener } = createService({
    engine,
    journal,
    replicated,
    config,
    logger,
    drain,
    secretKeys: secret.keys,
    auditSource:
      replicated !== undefined
        ? sharedLogAuditSource(replicated.log)
        : journal !== undefined
          ? journalAuditSource(config.dataDir)
          : undefined,
  });
  const server = createServer(listener);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  await replicated?.register(url);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const graceMs = config.shutdownGraceMs;
      const deadline = Date.now() + graceMs;
      const answered = await within(drain.start(), graceMs / 2);
      if (!answered) logger.warn({ graceMs }, 'requests still unanswered at half the grace period');
      // The engine answers what is queued, then the journal flushes and writes its snapshot.
      let flushError: unknown;
      const flushing = engine.close().catch((error: unknown) => {
        flushError = error ?? new Error('the command log failed to close');
      });
      const flushed = await within(flushing, Math.max(0, deadline - Date.now()));
      // Clients still asking are answered 503 until they stop, then the connections can go.
      await drain.quiet(shutdownQuietMs, deadline);
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await serverClosed;
      if (flushError !== undefined) {
        throw new Error('shutdown: the journal could not be flushed', { cause: flushError });
      }
      if (!flushed) {
        throw new Error(`shutdown: the journal was not flushed within ${graceMs} ms`);
      }
    })();
    return closing;
  };
  return { server, engine, journal, replicated, url, port: address.port, close };
}

/**
 * Whether `promise` resolves within `ms`. The timer keeps the process alive on purpose: a stop
 * must end in a decision, not in an event loop that ran dry.
 */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
