/**
 * Starting and stopping the whole service: engine, HTTP server and graceful shutdown.
 *
 * `startServer` is what the entry point and the end-to-end tests call. Shutdown stops accepting
 * connections, lets requests in flight finish, drains the command queue (every queued command is
 * answered), then closes idle connections; a grace period bounds the wait.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { CommandLog } from '../engine/command-log.js';
import { Journal } from '../journal/journal.js';
import { createKindRegistry } from '../kinds/registry.js';
import { startRaffleEngine } from '../kinds/start-engine.js';
import { createApp } from './app.js';
import { seedSourceFor } from './seed-secret.js';
import { loadServerSecret } from './server-secret.js';
import type { Config } from './env.js';

export interface RunningServer {
  server: Server;
  engine: Engine;
  /** The journal, when the service runs with `DURABILITY=fsync`. */
  journal: Journal | undefined;
  url: string;
  port: number;
  /** Graceful stop; resolves when everything queued has been answered. */
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger,
  options: { log?: CommandLog } = {},
): Promise<RunningServer> {
  const limits = {
    rafflesMax: config.rafflesMax,
    participantsPerRaffleMax: config.participantsPerRaffleMax,
    idempotencyKeysMax: config.idempotencyKeysMax,
    idempotencyTtlMs: config.idempotencyTtlMs,
  };
  const registry = createKindRegistry();
  const journal =
    options.log === undefined && config.durability === 'fsync'
      ? await Journal.open({
          dataDir: config.dataDir,
          snapshotEveryCommands: config.snapshotEveryCommands,
          snapshotEveryBytes: config.snapshotEveryBytes,
          logger,
          initialLimits: limits,
          registry,
        })
      : undefined;
  // The key file lives beside the journal, so without one the secret stays in memory. Read before
  // the engine journals anything of its own: did the directory already hold state?
  const secret = loadServerSecret(
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
    stateMachine: journal?.stateMachine,
    // Committed randomness: seeds are links of a chain whose anchor is journaled first.
    seeds: seedSourceFor(
      journal === undefined ? undefined : config.dataDir,
      journal?.stateMachine.seedCommitment,
    ),
  });
  const app = createApp({ engine, journal, config, logger, secretKeys: secret.keys });
  const server = createServer(app);
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

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections stay open after their last response; close each one as soon as
      // it is idle, so the server stops once every queued request has been answered.
      server.closeIdleConnections();
      const idleSweeper = setInterval(() => server.closeIdleConnections(), 20);
      idleSweeper.unref();
      const graceful = (async () => {
        await engine.close();
        await serverClosed;
        clearInterval(idleSweeper);
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          logger.warn({ graceMs: config.shutdownGraceMs }, 'shutdown grace period over');
          server.closeAllConnections();
          resolve();
        }, config.shutdownGraceMs);
        timer.unref();
      });
      await Promise.race([graceful, timeout]);
      clearTimeout(timer);
      clearInterval(idleSweeper);
    })();
    return closing;
  };
  return { server, engine, journal, url, port: address.port, close };
}
