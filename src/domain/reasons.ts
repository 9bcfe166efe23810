/**
 * The catalogue of reason codes: every expected way an operation can be refused.
 *
 * Reasons are values, not exceptions: the ledger and the command queue return them, and one table
 * in `src/api/errors.ts` maps each to a tRPC code and so to an HTTP status. The codes are part of
 * the public contract (clients switch on them), so they are only ever added, never renamed. Each
 * entry carries the sentence the OpenAPI document and WRITEUP.md use to explain it; a test checks
 * that both documents list every code.
 */
import { jsonDepthMax } from '../config/limits.js';

export const reasonCatalogue = {
  invalid_input: 'The input failed validation; `issues` lists each problem.',
  malformed_json: 'The request body is not valid JSON.',
  json_too_deep: `The JSON body nests arrays and objects deeper than ${jsonDepthMax} levels.`,
  invalid_utf8: 'The request body is not valid UTF-8.',
  invalid_content_encoding: 'The request body could not be decoded as its `Content-Encoding` says.',
  unsupported_media_type:
    'A request with a body must send `Content-Type: application/json` (charset utf-8, if any).',
  unsupported_content_encoding:
    'The `Content-Encoding` is not one of identity, gzip, deflate or br.',
  payload_too_large: 'The request body is larger than the configured `BODY_BYTES_MAX`.',
  route_not_found: 'No operation answers this method and path.',
  method_not_supported: 'The path exists but not for this HTTP method; `Allow` lists the methods.',
  manager_only:
    'Only operators may do this: a client address in `MANAGER_IPS`, or `Authorization: Bearer` with `MANAGER_TOKEN`.',
  raffle_not_found: 'No raffle has this id.',
  raffle_id_taken: 'A raffle with this id already exists.',
  raffle_limit_reached: 'The service already holds `RAFFLES_MAX` raffles.',
  participant_not_found: 'The participant holds no tickets in this raffle.',
  participant_limit_reached:
    'The raffle already holds `PARTICIPANTS_PER_RAFFLE_MAX` participants; existing ones still work.',
  transfer_to_self: 'A transfer needs two different participants.',
  insufficient_tickets: 'The donor holds fewer tickets than the transfer asks for.',
  ticket_total_overflow: 'The raffle total would pass Number.MAX_SAFE_INTEGER (2^53 - 1).',
  raffle_empty: 'The raffle holds no tickets, so there is nothing to draw.',
  invalid_cursor: 'The pagination cursor is not one this service issued.',
  idempotency_key_reused:
    'The idempotency key was first used for a different request; use a new key for a new request.',
  idempotency_answer_too_large:
    'The request under this idempotency key was applied once, but its answer was larger than `IDEMPOTENCY_ANSWER_BYTES_MAX` and was not kept for retries.',
  too_many_prizes:
    'A prize raffle needs a distinct winning ticket per prize: no more prizes than tickets.',
  client_address_unknown:
    'The request names no valid client address, so the one-ticket-per-address rule cannot be applied.',
  already_participated: 'This client address already holds a ticket of this prize raffle.',
  sold_out: 'Every ticket of this prize raffle has been claimed.',
  tickets_remaining: 'Winners are drawn only once every ticket has been claimed.',
  already_drawn: 'The winners of this prize raffle have already been drawn.',
  not_drawn: 'The winners of this prize raffle have not been drawn yet.',
  verification_failed:
    'The ticket number and verification code do not match a claimed ticket (the same answer for a wrong code and a number nobody holds).',
  queue_full: 'The command queue is full; retry after the `Retry-After` header.',
  shutting_down: 'The service is shutting down and takes no new commands.',
  log_unavailable:
    'The shared command log (etcd) has no majority or cannot be reached: writes are refused, reads are still answered; retry after the `Retry-After` header, with the same idempotency key.',
  storage_failed:
    'The journal could not make a write durable: nothing more is acknowledged until the service restarts and recovers.',
  internal_error: 'An unexpected server error; the message is hidden in production.',
  campaign_not_found: 'No campaign has this id.',
  campaign_id_taken: 'A campaign with this id already exists.',
  campaign_not_active:
    'The campaign is not running at this moment: draws are taken from `startsAt` (inclusive) to `endsAt` (exclusive).',
  already_drawn_today:
    'This phone already drew in this campaign today (the calendar day in the campaign’s time zone); it may draw again after midnight there.',
  invalid_phone:
    'The phone number cannot be read as an international number: write it with its country code, such as +6591234567.',
  probabilities_exceed_one: 'The prize probabilities add up to more than 1.',
  coupon_not_found: 'The campaign has no coupon with this code.',
  coupon_already_redeemed: 'The coupon was redeemed already; a coupon is redeemed once.',
  invalid_audit_range:
    'The audit log page is out of range: `from` is a command number from 1, `limit` a whole number up to the page bound.',
  audit_log_pruned:
    'The command log no longer starts at its first command (pruned behind a snapshot), so no whole audit export can be made.',
  audit_log_unavailable:
    'The service keeps no command log (`DURABILITY=none`), so there is no audit log to export.',
} as const satisfies Record<string, string>;

export type Reason = keyof typeof reasonCatalogue;

export const reasons = Object.keys(reasonCatalogue) as Reason[];

/** An expected refusal: a reason code and a sentence for people. */
export interface Refusal {
  readonly ok: false;
  readonly reason: Reason;
  readonly message: string;
}

export function refuse(reason: Reason, message: string): Refusal {
  return { ok: false, reason, message };
}

export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && Object.hasOwn(reasonCatalogue, value);
}
