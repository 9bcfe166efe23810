/**
 * The only place that creates tRPC: the context, the error shape and the base procedure.
 *
 * Every error leaves with a stable machine-readable `reason` beside tRPC's own `code`, both at the
 * top of the shape (so the REST bodies made by trpc-to-openapi carry it) and in `data` (where the
 * tRPC client exposes it as `error.data.reason`). Internal errors hide their text unless the
 * server runs with `exposeInternalErrors`.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { reasonCatalogue, refuse, type Reason } from '../domain/reasons.js';
import type { CommandSubmitter } from '../engine/engine.js';
import { idempotencyKeyDigest, isReplayed } from '../engine/idempotency.js';
import { transformer } from '../shared/transformer.js';
import { reasonOf, refusalError, zodIssuesOf } from './errors.js';
import { createdProcedurePaths, locationOf } from './locations.js';
import { idempotencyKeyPattern } from './schemas.js';
import type { SecretKeys } from './secret-keys.js';

export interface ApiLimits {
  /** Largest count one issue or transfer may move. */
  countMax: number;
  /** Most items in one bulk request. @default bulkItemsMaxDefault */
  bulkItemsMax?: number | undefined;
}

export type { CommandSubmitter };

/**
 * Procedure metadata: the subset of trpc-to-openapi's `OpenApiMeta` this service uses, declared
 * here so that the client's published types do not depend on trpc-to-openapi. The type check
 * below fails to compile if it stops being a valid `OpenApiMeta`.
 */
export interface RaffleMeta {
  [key: string]: unknown;
  /** Set by `operatorProcedure`, never by hand: the OpenAPI document derives security from it. */
  operator?: boolean;
  /**
   * The reasons of the operation's own rules (`raffle_not_found`, …); the common, body, queue,
   * key and operator reasons follow from the procedure itself (`src/api/operation-reasons.ts`).
   */
  refuses?: readonly Reason[];
  /** False for the one operation that never reaches the command queue. @default true */
  queued?: boolean;
  openapi?: {
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
    path: `/${string}`;
    summary?: string;
    description?: string;
    tags?: string[];
    successDescription?: string;
    deprecated?: boolean;
  };
}
type Assignable<Target, Source extends Target> = Source;
export type RaffleMetaIsOpenApiMeta = Assignable<OpenApiMeta, RaffleMeta>;

export interface Context {
  engine: CommandSubmitter;
  /**
   * Which surface the call came through. REST path parameters arrive still percent-encoded
   * (trpc-to-openapi matches the raw pathname), so REST calls decode them before validation.
   */
  transport: 'rest' | 'trpc' | 'internal';
  /** Show the text of internal errors to callers (development only). */
  exposeInternalErrors: boolean;
  /** The REST `Idempotency-Key` header as received (not yet checked); absent on tRPC. */
  idempotencyKeyHeader?: string | undefined;
  /**
   * The caller's address under the `TRUST_PROXY` rule, normalised (`src/server/ip-address.ts`);
   * absent for internal calls and when the request names no valid address.
   */
  clientAddress?: string | undefined;
  /** Whether the caller is an operator (`MANAGER_IPS` or `MANAGER_TOKEN`); absent means no. */
  isOperator?: boolean | undefined;
  /**
   * Keys derived from the server secret, for procedures that keep secrets out of the state
   * (prize raffles' verification codes). Procedures that need them refuse to run without.
   */
  secretKeys?: SecretKeys | undefined;
  /**
   * Facts about the answer that travel as headers, filled in while the procedure runs and read by
   * the HTTP layer (`responseMeta`): the `Location` of a creation. Absent for internal calls.
   */
  answer?: AnswerFacts | undefined;
  /** The audit chain's head and the state digest (`routers/audit.ts`). */
  audit?: { head(): AuditHeadAnswer } | undefined;
}

/** What `audit.head` answers. */
export interface AuditHeadAnswer {
  seq: number;
  head: string;
  stateDigest: { seq: number; head: string; sha256: string };
}

export interface AnswerFacts {
  location?: string | undefined;
  /** The answer is a keyed request's first answer given again (`Idempotent-Replayed: true`). */
  replayed?: boolean | undefined;
}

export interface ErrorData {
  code: string;
  httpStatus: number;
  path?: string | undefined;
  reason: Reason;
}

const t = initTRPC
  .context<Context>()
  .meta<RaffleMeta>()
  .create({
    transformer,
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const reason = reasonOf(error);
      const hideMessage = reason === 'internal_error' && ctx?.exposeInternalErrors !== true;
      const message = hideMessage ? 'Internal server error' : shape.message;
      const data: ErrorData = {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        reason,
      };
      // zod's list of validation problems, for `invalid_input`; trpc-to-openapi copies it into
      // REST bodies, and the tRPC client reads it as `error.shape.issues`.
      const issues = zodIssuesOf(error);
      return { message, code: shape.code, reason, data, ...(issues ? { issues } : {}) };
    },
  });

const pathParameterPattern = /\{(.+?)\}/g;

/** The names of a path template's parameters, by template (there are a few dozen). */
const pathParameterNames = new Map<string, readonly string[]>();

/** No path parameters: one shared list, so a call without any allocates none. */
const noPathParameters: readonly string[] = [];

function pathParameterNamesOf(template: string | undefined): readonly string[] {
  if (template === undefined || !template.includes('{')) return noPathParameters;
  let names = pathParameterNames.get(template);
  if (names === undefined) {
    names = [...template.matchAll(pathParameterPattern)].map((match) => match[1] as string);
    pathParameterNames.set(template, names);
  }
  return names;
}

/**
 * Decodes, for REST calls, exactly the input fields that come from the path template (such as
 * `{username}` in `/raffles/{raffleId}/participants/{username}`), so `zo%C3%AB` reaches validation
 * as `zoë`. Body and query fields are already decoded and are left alone; so are tRPC calls.
 */
function decodedPathParameters(raw: unknown, names: readonly string[]): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const fields = raw as Record<string, unknown>;
  // Most path parameters hold no escape at all: then the input is passed on as it is.
  if (!names.some((name) => typeof fields[name] === 'string' && fields[name].includes('%'))) {
    return raw;
  }
  const decoded: Record<string, unknown> = { ...fields };
  for (const name of names) {
    const value = decoded[name];
    if (typeof value !== 'string') continue;
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `The path parameter '${name}' is not valid percent-encoding.`,
      });
    }
  }
  return decoded;
}

/**
 * What every procedure does around its own work, in one middleware (each level of tRPC's
 * middleware chain copies its options, so one level instead of several is cheaper on every call):
 * REST path parameters are decoded before validation, and the `Location` of a creation's answer
 * is noted for the HTTP layer (`locations.ts`) from the input as received.
 */
const aroundEveryProcedure = t.middleware(async ({ ctx, meta, path, getRawInput, next }) => {
  const names =
    ctx.transport === 'rest' ? pathParameterNamesOf(meta?.openapi?.path) : noPathParameters;
  const result =
    names.length === 0
      ? await next()
      : await next({
          getRawInput: async () => decodedPathParameters(await getRawInput(), names),
        });
  if (result.ok && ctx.answer !== undefined && createdProcedurePaths.has(path)) {
    ctx.answer.location = locationOf(path, await getRawInput(), result.data);
  }
  return result;
});

/**
 * The idempotency key of a mutation as the command carries it: a digest of the caller's key
 * (see `idempotencyKeyDigest`), so the journal, snapshots and exports never hold the key itself
 * and a secret sealed under the caller's key (a prize claim's verification code) stays sealed.
 */
export function idempotencyKeyOf(ctx: Context, requestId: string | undefined): string | undefined {
  const key = callerIdempotencyKeyOf(ctx, requestId);
  return key === undefined ? undefined : idempotencyKeyDigest(key);
}

/**
 * The caller's own idempotency key: the `requestId` input (checked by zod) or, on REST, the
 * `Idempotency-Key` header. Both may be given only if they agree. Only the edge sees it.
 */
export function callerIdempotencyKeyOf(
  ctx: Context,
  requestId: string | undefined,
): string | undefined {
  const header = ctx.idempotencyKeyHeader;
  if (header === undefined) return requestId;
  if (!idempotencyKeyPattern.test(header)) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: 'The Idempotency-Key header must be 1–200 printable ASCII characters, no spaces.',
    });
  }
  if (requestId !== undefined && requestId !== header) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: 'The Idempotency-Key header and the requestId field differ; send one of them.',
    });
  }
  return header;
}

/**
 * The engine as a request's procedures see it: it notes in the answer's facts when a mutation's
 * answer came from an idempotency record (`Idempotent-Replayed`), by watching the outcomes of the
 * commands submitted. Made by the request's context, so no middleware has to replace the engine
 * in the context (which tRPC does by copying the whole context).
 */
export function replayNotingEngine(
  engine: CommandSubmitter,
  answer: AnswerFacts,
): CommandSubmitter {
  return {
    async submit(spec, fields) {
      const outcome = await engine.submit(spec, fields);
      if (isReplayed(outcome)) answer.replayed = true;
      return outcome;
    },
    query: (spec, fields) => engine.query(spec, fields),
  };
}

export const router = t.router;
export const publicProcedure = t.procedure.use(aroundEveryProcedure);
export const createCallerFactory = t.createCallerFactory;

/**
 * The one guard of operator procedures: anyone the edge did not mark as an operator gets 403
 * `manager_only`, with the same message whatever failed (address or token), before the input is
 * even validated. The `operator` meta flag travels with the guard, so the OpenAPI document finds
 * operator operations without a hand-kept list.
 */
export const operatorProcedure = publicProcedure.meta({ operator: true }).use(({ ctx, next }) => {
  if (ctx.isOperator !== true) {
    throw refusalError(refuse('manager_only', reasonCatalogue.manager_only));
  }
  return next();
});
