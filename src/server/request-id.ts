/**
 * Request ids: the `X-Request-Id` a caller sends, when it is sane, or one made here; echoed on
 * the answer and carried by every log line of the request.
 *
 * Framework-independent (plain node `IncomingMessage`/`ServerResponse`), so any HTTP layer calls
 * the same function first thing. A caller's id is taken only when it is short and made of
 * characters that cannot forge a log line or a header (`A-Za-z0-9._:-`, at most 128); anything
 * else is replaced, not refused: a bad id is no reason to fail the request. The id is kept on the
 * request object under a symbol, so no other code can clash with it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export const requestIdHeader = 'X-Request-Id';

/** What a caller's request id may be. */
export const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

const requestIdKey = Symbol('requestId');
type WithRequestId = IncomingMessage & { [requestIdKey]?: string };

/** The caller's id when it is sane, otherwise a fresh UUID. */
export function chooseRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && requestIdPattern.test(header) ? header : randomUUID();
}

/**
 * Gives the request its id (once: a second call returns the first id) and echoes it on the
 * answer.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const tagged = req as WithRequestId;
  const known = tagged[requestIdKey];
  if (known !== undefined) return known;
  const id = chooseRequestId(req.headers['x-request-id']);
  tagged[requestIdKey] = id;
  if (!res.headersSent) res.setHeader(requestIdHeader, id);
  return id;
}

/** The id `assignRequestId` gave the request, if it was called. */
export function requestIdOf(req: IncomingMessage): string | undefined {
  return (req as WithRequestId)[requestIdKey];
}

/** A logger whose every line names the request. */
export function requestLogger(logger: Logger, requestId: string): Logger {
  return logger.child({ requestId });
}
