/**
 * The service's node:http request listener: what every request goes through first (the edge), then
 * the fast path for single procedure calls, and the express app for everything else.
 *
 * The edge is framework-free and runs once per request whichever way it is answered: the request
 * log (`LOG_REQUESTS`), metrics, and the shutdown drain, then the steps of `edgeSteps` (the seam
 * for cross-cutting headers such as CORS or a request id: each takes the plain request and answer
 * and may answer itself). A few plain routes (health, the dashboard), a REST operation
 * (`fast-rest.ts`) or a tRPC call or batch of one type (`fast-trpc.ts`) are then served without
 * express; the rest (docs, metrics, OpenAPI document, 404s, 405s, OPTIONS, mixed batches) is
 * handed to the express app, marked so that its own copies of the edge middleware stand aside.
 * The same app, used on its own (tests do), still runs them. The trade-off is two ways into the procedures, held together by the end-to-end suites
 * (run against this listener) and a test that sends the same requests both ways.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { sendError } from './error-response.js';
import type { FastRest } from './fast-rest.js';
import type { FastTrpc } from './fast-trpc.js';

/** A step of the edge: `false` when it has answered the request itself. */
export type EdgeStep = (req: IncomingMessage, res: ServerResponse) => boolean;

const edgeDone = Symbol('raffle.edgeDone');

/** Whether the listener has already run the edge for this request (express then skips it). */
export function edgeHandled(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [edgeDone]?: true })[edgeDone] === true;
}

export interface RequestListenerOptions {
  /** Answers what the fast path does not take. */
  app: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Framework-free routes answered after the edge and before the fast path (health, the
   * dashboard): `true` when it has answered the request.
   */
  plainRoutes?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  fastRest: FastRest | undefined;
  fastTrpc: FastTrpc | undefined;
  /** Run in order before any routing; the first to answer ends the request. */
  edgeSteps: readonly EdgeStep[];
  logger: Logger;
  /** Show the text of unexpected errors in answers (development only). */
  exposeInternalErrors: boolean;
}

export function createRequestListener(options: RequestListenerOptions): RequestListener {
  const { app, plainRoutes, fastRest, fastTrpc, edgeSteps, logger } = options;
  const failed = (res: ServerResponse) => (error: unknown) => {
    logger.error({ err: error }, 'unhandled error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message =
      options.exposeInternalErrors && error instanceof Error
        ? error.message
        : 'Internal server error';
    sendError(res, 'internal_error', message);
  };
  return (req, res) => {
    for (const step of edgeSteps) if (!step(req, res)) return;
    if (plainRoutes?.(req, res) === true) return;
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    if (fastRest !== undefined && url.startsWith('/api/')) {
      const route = fastRest.route(method, url.slice(4));
      if (route !== undefined) {
        fastRest.serve(req, res, route).catch(failed(res));
        return;
      }
    } else if (fastTrpc !== undefined && url.startsWith('/trpc/')) {
      const route = fastTrpc.route(req, url.slice(6));
      if (route !== undefined) {
        fastTrpc.serve(req, res, route).catch(failed(res));
        return;
      }
    }
    (req as IncomingMessage & { [edgeDone]?: true })[edgeDone] = true;
    app(req, res);
  };
}
