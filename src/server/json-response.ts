/**
 * One content type for every JSON answer: `application/json`, without a charset parameter (JSON
 * is UTF-8 by definition, RFC 8259 §8.1), the same text the procedures' adapters send.
 *
 * Framework-independent: takes a plain node `ServerResponse`, so the express layer and a bare
 * node:http layer answer alike.
 */
import type { ServerResponse } from 'node:http';

export const jsonContentType = 'application/json';

/** Sends `body` as JSON with `status`; headers set earlier (Retry-After, X-Request-Id) stay. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', jsonContentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
