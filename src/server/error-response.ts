/**
 * The error body of requests refused outside tRPC (body reading, wrong methods, unknown paths,
 * shutdown), the same shape the procedures answer, so a client reads every refusal one way.
 *
 * It writes to a plain `ServerResponse`, so the express routes and the node:http fast path
 * (`fast-path.ts`) send byte-identical refusals; the headers are the ones express's `res.json`
 * wrote when this went through it.
 */
import type { ServerResponse } from 'node:http';
import { retryAfterSeconds } from '../config/limits.js';
import type { Reason } from '../domain/reasons.js';
import { httpStatusOf, trpcCodeByReason } from '../api/errors.js';

/** Sends `{ message, code, reason, data }` with the reason's status (and Retry-After on 503). */
export function sendError(res: ServerResponse, reason: Reason, message: string): void {
  const status = httpStatusOf(reason);
  if (status === 503) res.setHeader('Retry-After', String(retryAfterSeconds));
  const body = JSON.stringify({
    message,
    code: trpcCodeByReason[reason],
    reason,
    data: { code: trpcCodeByReason[reason], httpStatus: status, reason },
  });
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
