/**
 * The error body of requests refused outside tRPC (body reading, wrong methods, unknown paths,
 * shutdown), the same shape the procedures answer, so a client reads every refusal one way.
 * Framework-independent: any node `ServerResponse` will do.
 */
import type { ServerResponse } from 'node:http';
import { retryAfterSeconds } from '../config/limits.js';
import type { Reason } from '../domain/reasons.js';
import { httpStatusOf, trpcCodeByReason } from '../api/errors.js';
import { sendJson } from './json-response.js';

/** Sends `{ message, code, reason, data }` with the reason's status (and Retry-After on 503). */
export function sendError(res: ServerResponse, reason: Reason, message: string): void {
  const status = httpStatusOf(reason);
  if (status === 503) res.setHeader('Retry-After', String(retryAfterSeconds));
  sendJson(res, status, {
    message,
    code: trpcCodeByReason[reason],
    reason,
    data: { code: trpcCodeByReason[reason], httpStatus: status, reason },
  });
}
