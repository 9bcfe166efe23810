/**
 * The express application: tRPC under `/trpc`, the same procedures as REST under `/api`, the
 * OpenAPI document, interactive docs, health and metrics.
 *
 * The app is built by a factory around an engine, so tests run it on port 0 with their own engine
 * and configuration. JSON bodies are parsed here by express (with the configured size limit), not
 * by trpc-to-openapi, so that `application/json; charset=utf-8` works and body errors get the same
 * error body as every other error.
 */
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import type { TRPCError } from '@trpc/server';
import express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { retryAfterSeconds } from '../config/limits.js';
import type { Reason } from '../domain/reasons.js';
import { reasonCatalogue } from '../domain/reasons.js';
import type { Engine } from '../engine/engine.js';
import type { JournalStats } from '../journal/journal.js';
import { httpStatusOf, reasonOf, trpcCodeByReason } from '../api/errors.js';
import { createOpenApiDocument, createdProcedurePaths } from '../api/openapi.js';
import { createAppRouter } from '../api/routers/_app.js';
import type { SecretKeys } from '../api/secret-keys.js';
import type { Config } from './env.js';
import { HkdfSecretKeys } from './hkdf-secret-keys.js';
import { createMetrics } from './metrics.js';
import { createRequestContext } from './request-context.js';
import { serviceVersion } from './version.js';

export interface AppDependencies {
  engine: Engine;
  /** The journal's figures for `/metrics`, when the service journals. */
  journal?: { stats: JournalStats } | undefined;
  config: Config;
  logger: Logger;
  /** Keys from the server secret; a random secret for this process when absent. */
  secretKeys?: SecretKeys | undefined;
}

const retryableReasons: ReadonlySet<Reason> = new Set(['queue_full', 'shutting_down']);

/** Status and headers for a procedure's answer: 201 for creations, Retry-After when busy. */
function responseMetaFor(opts: { paths?: readonly string[] | undefined; errors: TRPCError[] }) {
  if (opts.errors.length > 0) {
    const busy = opts.errors.some((error) => retryableReasons.has(reasonOf(error)));
    return busy ? { headers: { 'Retry-After': String(retryAfterSeconds) } } : {};
  }
  const path = opts.paths?.[0];
  if (opts.paths?.length === 1 && path !== undefined && createdProcedurePaths.has(path)) {
    return { status: 201 };
  }
  return {};
}

/** Sends the error body every route uses, for errors raised outside tRPC. */
function sendError(res: express.Response, reason: Reason, message: string): void {
  const status = httpStatusOf(reason);
  res.status(status).json({
    message,
    code: trpcCodeByReason[reason],
    reason,
    data: { code: trpcCodeByReason[reason], httpStatus: status, reason },
  });
}

/**
 * A POST with no body at all (as `curl -X POST` sends to draw) is treated as an empty JSON
 * object, so that operations whose input lives in the path need no body or content type.
 */
const emptyBodyIsEmptyObject: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (req.method === 'POST' && !hasBody && req.headers['content-type'] === undefined) {
    req.headers['content-type'] = 'application/json';
    req.body = {};
  }
  next();
};

export function createApp({
  engine,
  journal,
  config,
  logger,
  secretKeys = HkdfSecretKeys.random(),
}: AppDependencies): express.Express {
  // Two instances of the same router: trpc-to-openapi mutates the zod schemas of the router it
  // serves (it turns on coercion for query strings), and that must not loosen `/trpc`.
  const apiLimits = { countMax: config.countMax, bulkItemsMax: config.bulkItemsMax };
  const appRouter = createAppRouter(apiLimits);
  const restRouter = createAppRouter(apiLimits);
  const openApiDocument = createOpenApiDocument(restRouter, {
    version: serviceVersion,
    countMax: config.countMax,
    bodyBytesMax: config.bodyBytesMax,
  });
  const metrics = createMetrics(engine, journal);
  const onError = ({ error, path }: { error: TRPCError; path?: string | undefined }) => {
    if (reasonOf(error) === 'internal_error') logger.error({ err: error, path }, 'internal error');
  };

  const app = express();
  // Sets `trust proxy` on the app and puts the client address and operator status in the context.
  const contextFor = createRequestContext(app, { engine, config, secretKeys });
  app.disable('x-powered-by');
  app.set('etag', false);
  if (config.logRequests) {
    app.use(
      pinoHttp({
        logger,
        customLogLevel: (_req, res, error) =>
          error !== undefined || res.statusCode >= 500
            ? 'error'
            : res.statusCode >= 400
              ? 'warn'
              : 'info',
      }),
    );
  }
  app.use(metrics.middleware);

  app.get('/healthz', (_req, res) => {
    const stats = engine.stats();
    res.status(engine.isClosed ? 503 : 200).json({
      status: engine.isClosed ? 'shutting_down' : 'ok',
      version: serviceVersion,
      queueLength: stats.queueLength,
      raffles: stats.raffleCount,
      // Applied: in memory and answered from; durable: on disk (or in the log), so it survives a
      // crash. They differ only while a batch is being written.
      appliedSeq: stats.appliedSeq,
      durableSeq: stats.durableSeq,
    });
  });
  app.get('/metrics', (_req, res, next) => {
    metrics.registry
      .metrics()
      .then((text) => res.type(metrics.registry.contentType).send(text))
      .catch(next);
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(openApiDocument, {
      customSiteTitle: 'Raffle service API',
      swaggerOptions: { persistAuthorization: false, tryItOutEnabled: true },
    }),
  );

  app.use(
    '/trpc',
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
    emptyBodyIsEmptyObject,
    // Not strict: any JSON value parses, so `null` or `5` is a validation error (invalid_input),
    // and only text that is not JSON at all is malformed_json.
    express.json({ limit: config.bodyBytesMax, strict: false }),
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

  const handleError: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.too.large') {
      sendError(res, 'payload_too_large', `The request body is over ${config.bodyBytesMax} bytes.`);
    } else if (type === 'entity.parse.failed') {
      sendError(res, 'malformed_json', reasonCatalogue.malformed_json);
    } else if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      sendError(res, 'unsupported_media_type', reasonCatalogue.unsupported_media_type);
    } else {
      logger.error({ err: error }, 'unhandled error');
      sendError(
        res,
        'internal_error',
        config.exposeInternalErrors && error instanceof Error
          ? error.message
          : 'Internal server error',
      );
    }
  };
  app.use(handleError);
  return app;
}
