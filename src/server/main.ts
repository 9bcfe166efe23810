/**
 * Entry point: parse the environment, start the service, stop gracefully on SIGTERM or SIGINT.
 */
import { parseEnv } from './env.js';
import { createLogger } from './logger.js';
import { operatorConfigWarnings } from './operator-config.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  const config = parseEnv(process.env);
  const logger = createLogger(config.logLevel);
  for (const warning of operatorConfigWarnings(config)) logger.warn(warning);
  const running = await startServer(config, logger);
  logger.info(
    {
      url: running.url,
      pid: process.pid,
      defaultRaffle: config.defaultRaffleId,
      docs: `${running.url}/docs`,
    },
    'raffle service listening',
  );
  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down: draining requests, then flushing the journal');
    running.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        // Exiting non-zero tells the supervisor that acknowledged work may not be on disk.
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The journal logged why at level fatal; stop taking requests and exit non-zero, so that a
  // supervisor restarts the service and recovery rebuilds the state from what is durable.
  void running.engine.failed.then(async () => {
    await running.close().catch(() => undefined);
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
