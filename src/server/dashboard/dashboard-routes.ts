/**
 * The dashboard's HTTP side: the page and its files, the caller's operator status, and the live
 * feed as Server-Sent Events, all under `/dashboard`.
 *
 * It speaks plain `node:http` (a request and a response, no framework), so it can be mounted by
 * whatever serves the rest: `src/server/app.ts` mounts it with a one-line hook. The page calls the
 * ordinary REST endpoints for everything it reads page by page and for every operator action,
 * so the API's guard is the only guard; `/dashboard/session` merely tells the page whether to
 * offer those actions. The feed's event stream ends when the service stops, so that a draining
 * shutdown does not wait on it, and when a client reads too slowly to keep up.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reason } from '../../domain/reasons.js';
import { httpStatusOf, trpcCodeByReason } from '../../api/errors.js';
import type { Asset } from './dashboard-assets.js';
import type { DashboardFeed, FeedListener } from './dashboard-feed.js';

/** Bytes an event stream may have waiting for a slow client before it is dropped (it reconnects). */
const streamBacklogBytesMax = 1_048_576;

export interface DashboardRouteOptions {
  feed: DashboardFeed;
  assets: ReadonlyMap<string, Asset>;
  /** Whether the caller of a request is an operator, by the API's own rule. */
  isOperator: (req: IncomingMessage) => boolean;
}

const securityHeaders = {
  // Everything comes from the service itself: no CDN, no inline script.
  'Content-Security-Policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...securityHeaders });
  res.end(JSON.stringify(body));
}

function sendRefusal(res: ServerResponse, reason: Reason, message: string): void {
  const status = httpStatusOf(reason);
  const code = trpcCodeByReason[reason];
  sendJson(res, status, { message, code, reason, data: { code, httpStatus: status, reason } });
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? asset.gzipped : asset.body;
  res.writeHead(200, {
    'Content-Type': asset.contentType,
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
    Vary: 'Accept-Encoding',
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    ...securityHeaders,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function streamFeed(req: IncomingMessage, res: ServerResponse, feed: DashboardFeed): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
    ...securityHeaders,
  });
  res.write('retry: 2000\n\n');
  let unsubscribe: (() => void) | undefined;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    res.end();
  };
  const send = (event: string, data: unknown): void => {
    if (ended) return;
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (res.writableLength > streamBacklogBytesMax) end();
  };
  const listener: FeedListener = {
    overview: (overview) => send('overview', overview),
    sample: (sample) => send('sample', sample),
    draw: (draw) => send('draw', draw),
    end,
  };
  req.once('close', end);
  feed.subscribe(listener).then(
    (stop) => {
      unsubscribe = stop;
      if (ended) stop();
    },
    () => end(),
  );
}

/**
 * Answers a request under `/dashboard` and returns true, or returns false for any other path.
 */
export function dashboardRoutes({ feed, assets, isOperator }: DashboardRouteOptions) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    // Every request the listener serves asks here first: other paths leave without allocating.
    if (!url.startsWith('/dashboard')) return false;
    const path = url.split('?')[0] ?? '/';
    if (path !== '/dashboard' && !path.startsWith('/dashboard/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendRefusal(res, 'method_not_supported', `${req.method} is not supported on ${path}.`);
      return true;
    }
    const name = path === '/dashboard' || path === '/dashboard/' ? 'index.html' : path.slice(11);
    if (name === 'events' && req.method === 'HEAD') {
      // A HEAD would never end as a stream: it gets the headers alone.
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        ...securityHeaders,
      });
      res.end();
    } else if (name === 'events') {
      streamFeed(req, res, feed);
    } else if (name === 'session') {
      sendJson(res, 200, { operator: isOperator(req) });
    } else if (assets.has(name)) {
      sendAsset(req, res, assets.get(name) as Asset);
    } else if (name === 'index.html') {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders });
      res.end('The dashboard is not built: run `npm run build`.\n');
    } else {
      sendRefusal(res, 'route_not_found', `No dashboard file is named ${path}.`);
    }
    return true;
  };
}
