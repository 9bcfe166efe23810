/**
 * The dashboard as one request handler, built from what the service already has: the engine, the
 * API router, the metrics registry and the operator rule. `src/server/app.ts` mounts it in one
 * line; anything else that serves HTTP can do the same, since the handler takes plain `node:http`
 * requests and says whether it answered.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AppRouter } from '../../api/routers/_app.js';
import type { SecretKeys } from '../../api/secret-keys.js';
import type { Engine } from '../../engine/engine.js';
import { loadAssets } from './dashboard-assets.js';
import { DashboardFeed } from './dashboard-feed.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { MetricsSampler } from './metrics-sampler.js';

export interface DashboardOptions {
  engine: Engine;
  router: AppRouter;
  registry: Registry;
  secretKeys: SecretKeys;
  isOperator: (req: IncomingMessage) => boolean;
  isStopping: () => boolean;
  logger: Logger;
  /** Where the built page is; `dist/dashboard/` of the package by default. */
  assetsDir?: string | undefined;
}

export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createDashboard(options: DashboardOptions): DashboardHandler {
  const { engine, logger } = options;
  const feed = new DashboardFeed({
    router: options.router,
    // The feed reads as nobody in particular: public figures only, never an operator's view.
    context: {
      engine,
      transport: 'internal',
      exposeInternalErrors: false,
      isOperator: false,
      secretKeys: options.secretKeys,
    },
    sampler: new MetricsSampler(options.registry, () => engine.stats()),
    appliedSeq: () => engine.stats().appliedSeq,
    isStopping: options.isStopping,
    onError: (error) => logger.warn({ err: error }, 'dashboard feed: a look at the state failed'),
  });
  return dashboardRoutes({
    feed,
    assets: loadAssets(options.assetsDir),
    isOperator: options.isOperator,
  });
}
