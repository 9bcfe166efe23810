/**
 * The express application: tRPC under `/trpc`, the same procedures as REST under `/api`, the
 * OpenAPI document, interactive docs, health, metrics and the dashboard (`src/server/dashboard/`).
 *
 * The app is built by a factory around an engine, so tests run it on port 0 with their own engine
 * and configuration. Request bodies are read here (`request-body.ts`), not by the adapters, so
 * that media type, encoding, size, UTF-8 and depth are checked the same way on both surfaces and
 * each problem answers its own 4xx; methods are checked against the OpenAPI document
 * (`rest-methods.ts`); and while the service shuts down, `drain.ts` refuses new requests.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import type { TRPCError } from '@trpc/server';
import express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { jsonDepthMax, retryAfterSeconds } from '../config/limits.js';
import type { Reason, Refusal } from '../domain/reasons.js';
import type { Engine } from '../engine/engine.js';
import type { ReplicatedLog } from '../replication/replicated-log.js';
import { reasonOf, refusalError } from '../api/errors.js';
import { createOpenApiDocument, createdProcedurePaths } from '../api/openapi.js';
import { declaredReasons, noteUndeclaredRefusal } from '../api/operation-reasons.js';
import { createAppRouter } from '../api/routers/_app.js';
import type { SecretKeys } from '../api/secret-keys.js';
import type { Context } from '../api/trpc.js';
import { auditInitialLimits } from '../audit/export.js';
import { auditLogHandler, type AuditSource } from './audit-log.js';
import { createDashboard } from './dashboard/dashboard.js';
import { Drain } from './drain.js';
import type { Config } from './env.js';
import { applyCors } from './cors.js';
import { sendError } from './error-response.js';
import { sendJson } from './json-response.js';
import { assignRequestId, requestIdOf, requestLogger } from './request-id.js';
import { HkdfSecretKeys } from './hkdf-secret-keys.js';
import { createFastRest } from './fast-rest.js';
import { createFastTrpc } from './fast-trpc.js';
import { createRequestListener, edgeHandled, type EdgeStep } from './fast-path.js';
import { createMetrics, type ObservedJournal } from './metrics.js';
import { bodyRefusalKey, restBodyParser, trpcBodyReader } from './request-body.js';
import { createRequestContext, operatorCheckFor } from './request-context.js';
import { restMethodGate, restPathsOf } from './rest-methods.js';
import { StateDigestCache } from './state-digest.js';
import { serviceVersion } from './version.js';

export interface AppDependencies {
  engine: Engine;
  /** The journal's figures for `/metrics`, when the service journals. */
  journal?: ObservedJournal | undefined;
  /** The shared log, when the service runs with `COMMAND_LOG=etcd`. */
  replicated?: ReplicatedLog | undefined;
  config: Config;
  logger: Logger;
  /** The shutdown drain the server starts; a fresh one when the app runs on its own. */
  drain?: Drain | undefined;
  /** Keys from the server secret; a random secret for this process when absent. */
  secretKeys?: SecretKeys | undefined;
  /** Where `GET /api/audit/log` reads the command log; absent without a log (`DURABILITY=none`). */
  auditSource?: AuditSource | undefined;
}

const retryableReasons: ReadonlySet<Reason> = new Set([
  'queue_full',
  'shutting_down',
  'storage_failed',
  'log_unavailable',
]);

/**
 * Status and headers for a procedure's answer: 201 with its `Location` for creations, Retry-After
 * when busy, `Idempotent-Replayed: true` when a keyed request's first answer is given again.
 */
function responseMetaFor(opts: {
  paths?: readonly string[] | undefined;
  errors: TRPCError[];
  ctx?: Context | undefined;
}) {
  const replayed = opts.ctx?.answer?.replayed === true ? { 'Idempotent-Replayed': 'true' } : {};
  if (opts.errors.length > 0) {
    const busy = opts.errors.some((error) => retryableReasons.has(reasonOf(error)));
    return {
      headers: { ...replayed, ...(busy ? { 'Retry-After': String(retryAfterSeconds) } : {}) },
    };
  }
  const path = opts.paths?.[0];
  if (opts.paths?.length === 1 && path !== undefined && createdProcedurePaths.has(path)) {
    const location = opts.ctx?.answer?.location;
    return {
      status: 201,
      headers: { ...replayed, ...(location === undefined ? {} : { Location: location }) },
    };
  }
  return { headers: replayed };
}

/** The answer of a service endpoint called with another method than GET (or HEAD). */
const getOnly: RequestHandler = (req, res) => {
  res.setHeader('Allow', 'GET, HEAD, OPTIONS');
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  sendError(res, 'method_not_supported', `${req.method} is not supported on ${req.path}.`);
};

/** tRPC answers HEAD with an empty 204 whatever the path; served as GET, it answers like GET. */
const headAsGet: RequestHandler = (req, _res, next) => {
  if (req.method === 'HEAD') req.method = 'GET';
  next();
};

/** What `/healthz` says of the shared log: who this instance is and how far it has applied. */
function replicationHealth(replicated: ReplicatedLog) {
  const { replica, log, queue } = replicated;
  return {
    instanceId: replicated.instanceId,
    logIndex: replica.index,
    snapshotIndex: replica.snapshotIndex,
    snapshotsLoaded: replica.snapshotsLoaded,
    watchesBroken: replica.watchesBroken,
    logAvailable: log.available,
    sinceLogContactMs: log.sinceLastContactMs ?? null,
    appendsLost: queue.appendsLost,
    appendsRetried: queue.appendsRetried,
  };
}

/** The express app on its own: every request through express (tests that mount it use this). */
export function createApp(dependencies: AppDependencies): express.Express {
  return createService(dependencies).app;
}

export interface Service {
  /** Docs, health, metrics, the OpenAPI document, and every request the fast path leaves. */
  app: express.Express;
  /** What the HTTP server runs: the edge, the fast path, then `app` (`fast-path.ts`). */
  listener: RequestListener;
}

export function createService({
  engine,
  journal,
  replicated,
  config,
  logger,
  drain = new Drain(),
  secretKeys = HkdfSecretKeys.random(),
  auditSource,
}: AppDependencies): Service {
  // Two instances of the same router: trpc-to-openapi mutates the zod schemas of the router it
  // serves (it turns on coercion for query strings), and that must not loosen `/trpc`.
  const apiLimits = { countMax: config.countMax, bulkItemsMax: config.bulkItemsMax };
  const appRouter = createAppRouter(apiLimits);
  const restRouter = createAppRouter(apiLimits);
  const openApiDocument = createOpenApiDocument(restRouter, {
    version: serviceVersion,
    countMax: config.countMax,
    bodyBytesMax: config.bodyBytesMax,
    defaultRaffleId: config.defaultRaffleId,
  });
  const bodyLimits = { bodyBytesMax: config.bodyBytesMax, jsonDepthMax };
  const metrics = createMetrics(engine, journal);
  const digest = new StateDigestCache(() => engine.stateMachine);
  const declared = declaredReasons(appRouter);
  const onError = ({
    error,
    path,
    req,
  }: {
    error: TRPCError;
    path?: string | undefined;
    req: IncomingMessage;
  }) => {
    const reason = reasonOf(error);
    const log = requestLogger(logger, requestIdOf(req) ?? 'none');
    if (reason === 'internal_error') log.error({ err: error, path }, 'internal error');
    // A refusal the procedure does not declare is missing from the OpenAPI document: noted for
    // the tests, logged for operators, answered as it is.
    const allowed = path === undefined ? undefined : declared.get(path);
    if (path !== undefined && allowed !== undefined && !allowed.has(reason)) {
      noteUndeclaredRefusal(path, reason);
      log.warn({ path, reason }, 'refusal reason not declared by the procedure');
    }
  };

  const app = express();
  // Sets `trust proxy` on the app and puts the client address and operator status in the context.
  const audit = {
    head: () => {
      const { seq, head } = engine.stateMachine.auditHead;
      return { seq, head, stateDigest: digest.current() };
    },
  };
  const requestContext = createRequestContext(app, { engine, config, secretKeys, audit });
  const contextFor =
    (transport: Context['transport']) =>
    ({ req, res }: { req: IncomingMessage; res: express.Response }): Context => {
      // A body refused while it was read is raised here, so tRPC answers it in its own shape.
      const refusal = res.locals[bodyRefusalKey] as Refusal | undefined;
      if (refusal !== undefined) throw refusalError(refusal);
      return requestContext(transport)({ req });
    };
  app.disable('x-powered-by');
  app.set('etag', false);
  // The edge: framework-free steps every request takes once, on the fast path or in express.
  // The request id and CORS come first, so every answer (refusals below included) carries them.
  const cors = { origins: config.corsOrigins };
  const httpLogger = config.logRequests
    ? pinoHttp({
        logger,
        // The request's id, also at the top of the line under the key the service's own lines use.
        genReqId: (req, res) => assignRequestId(req, res),
        customProps: (req) => ({ requestId: requestIdOf(req) }),
        customLogLevel: (_req, res, error) =>
          error !== undefined || res.statusCode >= 500
            ? 'error'
            : res.statusCode >= 400
              ? 'warn'
              : 'info',
      })
    : undefined;
  const edgeSteps: EdgeStep[] = [
    (req, res) => {
      assignRequestId(req, res);
      return !applyCors(req, res, cors);
    },
    ...(httpLogger === undefined
      ? []
      : [
          (req: IncomingMessage, res: Parameters<EdgeStep>[1]) => {
            httpLogger(req, res);
            return true;
          },
        ]),
    (req, res) => {
      metrics.observe(req, res);
      return true;
    },
    (req, res) => drain.admit(req, res),
  ];
  app.use((req, res, next) => {
    if (edgeHandled(req)) {
      next();
      return;
    }
    for (const step of edgeSteps) if (!step(req, res)) return;
    next();
  });

  // The dashboard (`/dashboard`): its own module, plain node:http inside, mounted by this hook.
  const isOperator = operatorCheckFor(config);
  const dashboard = createDashboard({
    engine,
    router: appRouter,
    registry: metrics.registry,
    secretKeys,
    isOperator,
    isStopping: () => drain.isDraining || engine.isClosed,
    logger,
  });
  app.use((req, res, next) => {
    if (!dashboard(req, res)) next();
  });

  // `/healthz` is answered here and, before express, by the listener (below): health checks come
  // often and alongside the API's traffic, and a request express handles changes the prototypes of
  // node:http's request and answer, after which V8 kept finished API requests alive through
  // young-generation collections (WRITEUP, round six).
  const healthz = (res: ServerResponse): void => {
    const stats = engine.stats();
    const stopping = drain.isDraining || engine.isClosed;
    const failed = engine.failure !== undefined;
    if (stopping) res.setHeader('Retry-After', String(retryAfterSeconds));
    sendJson(res, stopping || failed ? 503 : 200, {
      status: failed ? 'storage_failed' : stopping ? 'shutting_down' : 'ok',
      version: serviceVersion,
      queueLength: stats.queueLength,
      raffles: stats.raffleCount,
      // Applied: in memory and answered from; durable: on disk (or in the log), so it survives a
      // crash. They differ only while a batch is being written.
      appliedSeq: stats.appliedSeq,
      durableSeq: stats.durableSeq,
      // SHA-256 of the whole state at `digest.seq`: instances on one shared log that report
      // the same seq report the same digest.
      digest: digest.current(),
      commandLog: replicated !== undefined ? 'etcd' : journal !== undefined ? 'journal' : 'memory',
      ...(replicated !== undefined ? replicationHealth(replicated) : {}),
    });
  };
  app
    .route('/healthz')
    .get((_req, res) => healthz(res))
    .all(getOnly);
  app
    .route('/metrics')
    .get((_req, res, next) => {
      metrics.registry
        .metrics()
        .then((text) => res.type(metrics.registry.contentType).send(text))
        .catch(next);
    })
    .all(getOnly);
  app
    .route('/openapi.json')
    .get((_req, res) => {
      sendJson(res, 200, openApiDocument);
    })
    .all(getOnly);
  app.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(openApiDocument, {
      customSiteTitle: 'Raffle service API',
      swaggerOptions: { persistAuthorization: false, tryItOutEnabled: true },
    }),
  );

  app
    .route('/api/audit/log')
    .get(
      auditLogHandler({
        source: auditSource,
        registry: engine.stateMachine.registry,
        limits: auditInitialLimits,
      }),
    )
    .all(getOnly);
  app.use(
    '/trpc',
    headAsGet,
    trpcBodyReader(bodyLimits),
    createExpressMiddleware({
      router: appRouter,
      createContext: contextFor('trpc'),
      onError,
      maxBodySize: config.bodyBytesMax,
      responseMeta: responseMetaFor,
    }),
  );
  app.use(
    '/api',
    restMethodGate(restPathsOf(openApiDocument)),
    restBodyParser(bodyLimits),
    createOpenApiExpressMiddleware({
      router: restRouter,
      createContext: contextFor('rest'),
      onError,
      maxBodySize: config.bodyBytesMax,
      responseMeta: responseMetaFor,
    }),
  );

  app.use((req, res) => {
    sendError(res, 'route_not_found', `No operation answers ${req.method} ${req.path}.`);
  });

  const handleError: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    requestLogger(logger, assignRequestId(req, res)).error({ err: error }, 'unhandled error');
    sendError(
      res,
      'internal_error',
      config.exposeInternalErrors && error instanceof Error
        ? error.message
        : 'Internal server error',
    );
  };
  app.use(handleError);

  const createContextFor = (transport: Context['transport']) => {
    const build = requestContext(transport);
    return (req: IncomingMessage) => build({ req });
  };
  const bodyLimitsAndHooks = { responseMeta: responseMetaFor, onError, bodyLimits };
  const listener = createRequestListener({
    app,
    // Framework-free routes answered before the fast path: health, and the dashboard (plain
    // node:http inside); express keeps its own copies for the app used on its own.
    plainRoutes: (req, res) => {
      if (req.url === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
        healthz(res);
        return true;
      }
      return dashboard(req, res);
    },
    fastRest: createFastRest({
      router: restRouter,
      createContext: createContextFor('rest'),
      ...bodyLimitsAndHooks,
    }),
    fastTrpc: createFastTrpc({
      router: appRouter,
      createContext: createContextFor('trpc'),
      ...bodyLimitsAndHooks,
    }),
    edgeSteps,
    logger,
    exposeInternalErrors: config.exposeInternalErrors,
  });
  return { app, listener };
}
