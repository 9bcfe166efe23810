/**
 * The error body of requests refused outside tRPC (body reading, wrong methods, unknown paths,
 * shutdown), the same shape the procedures answer, so a client reads every refusal one way.
 */
import type { Response } from 'express';
import { retryAfterSeconds } from '../config/limits.js';
import type { Reason } from '../domain/reasons.js';
import { httpStatusOf, trpcCodeByReason } from '../api/errors.js';

/** Sends `{ message, code, reason, data }` with the reason's status (and Retry-After on 503). */
export function sendError(res: Response, reason: Reason, message: string): void {
  const status = httpStatusOf(reason);
  if (status === 503) res.setHeader('Retry-After', String(retryAfterSeconds));
  res.status(status).json({
    message,
    code: trpcCodeByReason[reason],
    reason,
    data: { code: trpcCodeByReason[reason], httpStatus: status, reason },
  });
}
