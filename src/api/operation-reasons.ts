/**
 * The reasons each operation can be refused with, derived from one declaration per procedure.
 *
 * A procedure names, in its meta (`refuses`), only the reasons of its own business rules
 * (`raffle_not_found`, `sold_out`, …). Everything else follows from facts the procedure already
 * states: every operation can meet the common reasons, one that reads a body (POST) the body
 * reasons, one built on `operatorProcedure` `manager_only`, one that goes through the command queue
 * the queue reasons, and a mutation that takes an idempotency key the key and shared-log reasons.
 * The OpenAPI document and the run-time check (the adapters' `onError` in `src/server/app.ts`)
 * both read `declaredReasons`, so what the document lists and what the check accepts cannot
 * drift apart; the check notes any refusal a procedure answers that its declaration does not
 * list (`undeclaredRefusals`), and every test file fails if one was noted
 * (`test/support/declared-reasons.ts`), so a new refusal without its declaration fails the suite.
 */
import type { AnyRouter } from '@trpc/server';
import { isReason, type Reason } from '../domain/reasons.js';

/** Reasons any operation may answer, whatever it does. */
export const commonReasons: readonly Reason[] = [
  'invalid_input',
  'route_not_found',
  'method_not_supported',
  'internal_error',
];
/** Reasons of every operation that reads a JSON body. */
export const bodyReasons: readonly Reason[] = [
  'malformed_json',
  'json_too_deep',
  'invalid_utf8',
  'invalid_content_encoding',
  'unsupported_media_type',
  'unsupported_content_encoding',
  'payload_too_large',
];
/** Reasons of every operation that goes through the command queue. */
export const queueReasons: readonly Reason[] = ['queue_full', 'shutting_down', 'storage_failed'];
/**
 * Reasons of every mutation that takes an idempotency key; with a shared log (`COMMAND_LOG=etcd`)
 * writes also need its majority.
 */
export const keyedReasons: readonly Reason[] = [
  'idempotency_key_reused',
  'idempotency_answer_too_large',
  'log_unavailable',
];

/** What an operation states about itself, from which its reasons follow. */
export interface OperationFacts {
  /** The reasons of its own rules, as its meta declares them. */
  refuses: readonly Reason[];
  /** Reads a request body (REST POST). */
  readsBody: boolean;
  /** Built on `operatorProcedure`. */
  operator: boolean;
  /** Goes through the command queue (every operation but the diagnostic no-op). */
  queued: boolean;
  /** Takes an idempotency key (`requestId` / `Idempotency-Key`). */
  keyed: boolean;
}

/** Every reason the operation may answer, without repeats, in a stable order. */
export function reasonsOf(facts: OperationFacts): Reason[] {
  const all = [
    ...commonReasons,
    ...(facts.operator ? (['manager_only'] as const) : []),
    ...(facts.readsBody ? bodyReasons : []),
    ...facts.refuses,
    ...(facts.keyed ? keyedReasons : []),
    ...(facts.queued ? queueReasons : []),
  ];
  return [...new Set(all)];
}

/** Refusals answered but not declared, as `path: reason`, for the tests to fail on. */
export const undeclaredRefusals = new Set<string>();

/** The most entries `undeclaredRefusals` keeps: enough to show what drifted, bounded in service. */
const undeclaredRefusalsMax = 100;

export function noteUndeclaredRefusal(path: string, reason: Reason): void {
  if (undeclaredRefusals.size < undeclaredRefusalsMax) undeclaredRefusals.add(`${path}: ${reason}`);
}

interface ProcedureDefinition {
  _def: {
    type?: unknown;
    inputs?: unknown[];
    meta?: {
      operator?: unknown;
      refuses?: unknown;
      queued?: unknown;
      openapi?: { method?: unknown };
    };
  };
}

/** Whether an input parser is a zod object with a `requestId` field (an idempotency key). */
function takesKey(inputs: unknown[] | undefined): boolean {
  return (inputs ?? []).some((input) => {
    const shape = (input as { shape?: unknown }).shape;
    return typeof shape === 'object' && shape !== null && 'requestId' in shape;
  });
}

/**
 * The facts of each procedure of a router that declares its reasons, by procedure path
 * (`raffles.create`). Procedures without a `refuses` declaration (test routers) are left out.
 */
export function operationFacts(router: AnyRouter): Map<string, OperationFacts> {
  const facts = new Map<string, OperationFacts>();
  const procedures = router._def.procedures as Record<string, ProcedureDefinition>;
  for (const [path, procedure] of Object.entries(procedures)) {
    const meta = procedure._def.meta;
    const refuses = meta?.refuses;
    if (!Array.isArray(refuses)) continue;
    for (const reason of refuses) {
      if (!isReason(reason)) throw new Error(`${path}: '${String(reason)}' is not a reason`);
    }
    const queued = meta?.queued !== false;
    facts.set(path, {
      refuses: refuses as Reason[],
      readsBody: meta?.openapi?.method === 'POST' || procedure._def.type === 'mutation',
      operator: meta?.operator === true,
      queued,
      // The no-op takes the issue input, `requestId` included, but never reaches the queue that
      // keeps keys: only a queued operation keeps them.
      keyed: queued && takesKey(procedure._def.inputs),
    });
  }
  return facts;
}

/** Every reason each declaring procedure may answer, by procedure path. */
export function declaredReasons(router: AnyRouter): Map<string, ReadonlySet<Reason>> {
  return new Map(
    [...operationFacts(router)].map(([path, facts]) => [path, new Set(reasonsOf(facts))]),
  );
}
