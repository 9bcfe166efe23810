/**
 * The tRPC context of an HTTP request, for `/trpc` and `/api` alike.
 *
 * Building the context also installs the `trust proxy` setting on the express app it serves,
 * because the client address in the context is only right under that setting: the two cannot be
 * taken apart. Tests that mount their own routers call this same function, so they exercise the
 * code path the service uses.
 */
import type express from 'express';
import type { SecretKeys } from '../api/secret-keys.js';
import type { CommandSubmitter, Context } from '../api/trpc.js';
import type { Config } from './env.js';
import { OperatorAccess } from './operator-access.js';

export type ContextFor = (
  transport: Context['transport'],
) => (options: { req: express.Request }) => Context;

export function createRequestContext(
  app: express.Express,
  {
    engine,
    config,
    secretKeys,
  }: {
    engine: CommandSubmitter;
    config: Pick<Config, 'exposeInternalErrors' | 'managerIps' | 'managerToken' | 'trustProxy'>;
    /** Keys from the server secret (`src/server/server-secret.ts`). */
    secretKeys?: SecretKeys | undefined;
  },
): ContextFor {
  // A copy, so that nothing express or proxy-addr does to the list reaches the configuration.
  const trust = config.trustProxy;
  app.set('trust proxy', typeof trust === 'object' ? [...trust] : trust);
  const access = new OperatorAccess(config);
  return (transport) =>
    ({ req }) => ({
      engine,
      transport,
      exposeInternalErrors: config.exposeInternalErrors,
      idempotencyKeyHeader: transport === 'rest' ? req.header('idempotency-key') : undefined,
      secretKeys,
      answer: {},
      ...access.callerOf(req),
    });
}
