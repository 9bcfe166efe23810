/**
 * Refusals to tRPC errors, and tRPC errors to reason codes: the one complete table.
 *
 * Every reason code maps to exactly one tRPC code, and trpc-to-openapi (and tRPC's own HTTP
 * adapter) map that code to an HTTP status, so a reason always travels with the same status. The
 * reverse direction names a reason for errors raised outside the ledger (zod validation, body
 * parsing, unknown routes), so every error body carries one.
 */
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { Reason, Refusal } from '../domain/reasons.js';
import { isReason } from '../domain/reasons.js';

export const trpcCodeByReason = {
  invalid_input: 'BAD_REQUEST',
  malformed_json: 'PARSE_ERROR',
  json_too_deep: 'BAD_REQUEST',
  invalid_utf8: 'BAD_REQUEST',
  invalid_content_encoding: 'BAD_REQUEST',
  unsupported_media_type: 'UNSUPPORTED_MEDIA_TYPE',
  unsupported_content_encoding: 'UNSUPPORTED_MEDIA_TYPE',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  route_not_found: 'NOT_FOUND',
  method_not_supported: 'METHOD_NOT_SUPPORTED',
  manager_only: 'FORBIDDEN',
  raffle_not_found: 'NOT_FOUND',
  raffle_id_taken: 'CONFLICT',
  raffle_limit_reached: 'CONFLICT',
  participant_not_found: 'NOT_FOUND',
  participant_limit_reached: 'CONFLICT',
  transfer_to_self: 'BAD_REQUEST',
  insufficient_tickets: 'CONFLICT',
  ticket_total_overflow: 'CONFLICT',
  raffle_empty: 'CONFLICT',
  invalid_cursor: 'BAD_REQUEST',
  idempotency_key_reused: 'UNPROCESSABLE_CONTENT',
  idempotency_answer_too_large: 'CONFLICT',
  too_many_prizes: 'BAD_REQUEST',
  client_address_unknown: 'BAD_REQUEST',
  already_participated: 'CONFLICT',
  sold_out: 'CONFLICT',
  tickets_remaining: 'CONFLICT',
  already_drawn: 'CONFLICT',
  not_drawn: 'CONFLICT',
  verification_failed: 'FORBIDDEN',
  queue_full: 'SERVICE_UNAVAILABLE',
  shutting_down: 'SERVICE_UNAVAILABLE',
  log_unavailable: 'SERVICE_UNAVAILABLE',
  storage_failed: 'SERVICE_UNAVAILABLE',
  internal_error: 'INTERNAL_SERVER_ERROR',
  campaign_not_found: 'NOT_FOUND',
  campaign_id_taken: 'CONFLICT',
  campaign_not_active: 'CONFLICT',
  already_drawn_today: 'CONFLICT',
  invalid_phone: 'BAD_REQUEST',
  probabilities_exceed_one: 'BAD_REQUEST',
  coupon_not_found: 'NOT_FOUND',
  coupon_already_redeemed: 'CONFLICT',
  invalid_audit_range: 'BAD_REQUEST',
  audit_log_pruned: 'CONFLICT',
  audit_log_unavailable: 'CONFLICT',
} as const satisfies Record<Reason, TRPC_ERROR_CODE_KEY>;

/** HTTP status of each tRPC code this service uses (the same table the adapters apply). */
export const httpStatusByTrpcCode = {
  BAD_REQUEST: 400,
  PARSE_ERROR: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  CONFLICT: 409,
  UNPROCESSABLE_CONTENT: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Partial<Record<TRPC_ERROR_CODE_KEY, number>>;

export function httpStatusOf(reason: Reason): number {
  return httpStatusByTrpcCode[trpcCodeByReason[reason]];
}

/** Carries a reason code as the `cause` of a TRPCError. */
export class ReasonedCause extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
  ) {
    super(message);
    this.name = 'ReasonedCause';
  }
}

export function refusalError(refusal: Refusal): TRPCError {
  return new TRPCError({
    code: trpcCodeByReason[refusal.reason],
    message: refusal.message,
    cause: new ReasonedCause(refusal.reason, refusal.message),
  });
}

/** The value of an outcome, or a thrown TRPCError carrying the refusal's reason. */
export function unwrap<T>(outcome: { ok: true; value: T } | Refusal): T {
  if (!outcome.ok) throw refusalError(outcome);
  return outcome.value;
}

function isZodError(cause: unknown): cause is Error & { issues: unknown[] } {
  return cause instanceof Error && cause.name === 'ZodError' && 'issues' in cause;
}

/** The reason code an error carries, naming one for errors from outside the ledger. */
export function reasonOf(error: TRPCError): Reason {
  const cause = error.cause;
  if (cause instanceof ReasonedCause) return cause.reason;
  if (cause !== undefined && 'reason' in cause && isReason(cause.reason)) return cause.reason;
  if (isZodError(cause)) return 'invalid_input';
  switch (error.code) {
    case 'PARSE_ERROR':
      return 'malformed_json';
    case 'PAYLOAD_TOO_LARGE':
      return 'payload_too_large';
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'unsupported_media_type';
    case 'NOT_FOUND':
      return 'route_not_found';
    case 'METHOD_NOT_SUPPORTED':
      return 'method_not_supported';
    case 'BAD_REQUEST':
      return 'invalid_input';
    default:
      return 'internal_error';
  }
}

export function zodIssuesOf(error: TRPCError): unknown[] | undefined {
  return isZodError(error.cause) ? error.cause.issues : undefined;
}
