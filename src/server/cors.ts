/**
 * Cross-origin requests (CORS) for browsers on other origins, from `CORS_ORIGINS`.
 *
 * Framework-independent (plain node `IncomingMessage`/`ServerResponse`): any HTTP layer calls
 * `applyCors` first and stops when it answered a preflight. With no origin configured (the
 * default) nothing changes: browsers on other origins stay blocked. A listed origin (or `*`) gets
 * `Access-Control-Allow-Origin` on every answer, and the headers a client needs are exposed:
 * `Retry-After` (when busy), `X-Request-Id`, `Location` (creations), `Idempotent-Replayed` (a
 * retry answered from its idempotency key). Preflights are answered here,
 * 204, for every path, so that an `OPTIONS` never reaches a route; an origin not listed gets the
 * same 204 without the allow headers, which is how a browser learns it is refused. No
 * credentials mode: the service uses no cookies, and `Authorization` is an ordinary allowed
 * header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CorsOptions {
  /** Origins allowed (`https://app.example` exactly as a browser sends it), or `['*']`. */
  origins: readonly string[];
}

/** The request headers a browser may send across origins. */
export const corsAllowedHeaders = [
  'Content-Type',
  'Content-Encoding',
  'Authorization',
  'Idempotency-Key',
  'X-Request-Id',
  'trpc-accept',
];

/** The answer headers a script on another origin may read. */
export const corsExposedHeaders = [
  'Retry-After',
  'X-Request-Id',
  'Location',
  'Idempotent-Replayed',
];

/** How long a browser may cache a preflight's answer, in seconds. */
export const corsPreflightMaxAgeSeconds = 600;

const allowedMethods = 'GET, HEAD, POST, OPTIONS';

function appendVary(res: ServerResponse, value: string): void {
  const current = res.getHeader('Vary');
  const text = Array.isArray(current) ? current.join(', ') : (current?.toString() ?? '');
  if (text === '') res.setHeader('Vary', value);
  else if (!text.split(',').some((part) => part.trim().toLowerCase() === value.toLowerCase())) {
    res.setHeader('Vary', `${text}, ${value}`);
  }
}

/** The `Access-Control-Allow-Origin` value for this origin, or undefined when it is not allowed. */
export function allowedOrigin(
  origin: string | undefined,
  options: CorsOptions,
): string | undefined {
  if (origin === undefined || options.origins.length === 0) return undefined;
  if (options.origins.includes('*')) return '*';
  return options.origins.includes(origin) ? origin : undefined;
}

/**
 * Sets the CORS headers of the answer; answers a preflight itself. Returns true when the request
 * was answered (a preflight), false when the caller goes on with it.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  options: CorsOptions,
): boolean {
  if (options.origins.length === 0) return false;
  const origin = req.headers.origin;
  const allowed = allowedOrigin(origin, options);
  // The answer depends on the Origin whenever origins are listed one by one.
  if (allowed !== '*') appendVary(res, 'Origin');
  const preflight =
    req.method === 'OPTIONS' &&
    origin !== undefined &&
    req.headers['access-control-request-method'] !== undefined;
  if (allowed !== undefined) {
    res.setHeader('Access-Control-Allow-Origin', allowed);
    if (!preflight) res.setHeader('Access-Control-Expose-Headers', corsExposedHeaders.join(', '));
  }
  if (!preflight) return false;
  appendVary(res, 'Access-Control-Request-Method');
  appendVary(res, 'Access-Control-Request-Headers');
  if (allowed !== undefined) {
    res.setHeader('Access-Control-Allow-Methods', allowedMethods);
    res.setHeader('Access-Control-Allow-Headers', corsAllowedHeaders.join(', '));
    res.setHeader('Access-Control-Max-Age', String(corsPreflightMaxAgeSeconds));
  }
  res.statusCode = 204;
  res.setHeader('Content-Length', '0');
  res.end();
  return true;
}
