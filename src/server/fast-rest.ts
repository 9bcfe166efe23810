/**
 * The REST operations under `/api`, served straight from node:http: the same procedures, found by
 * the same route table and called with the same input as trpc-to-openapi's adapter, answered in
 * the same statuses and bodies, without express routing, a WHATWG Request per call (the adapter
 * builds one only for its abort signal, which no procedure here reads) or tRPC's caller proxy.
 *
 * What must not drift from the adapter is taken from it: its route cache (`createProcedureCache`,
 * so matching is its own case-insensitive regular expressions), its input rules (path parameters
 * over body or query, array query parameters, coercion of the zod schemas) and its error body and
 * status table. Only the requests the adapter would answer with a procedure come here: an unknown
 * path, a method a path does not document, OPTIONS and anything unusual in the target are left to
 * the express app (`fast-path.ts` decides), so 404, 405 and their bodies stay where they were.
 * The trade-off: this module follows trpc-to-openapi 3.3's `createOpenApiNodeHttpHandler`
 * line by line, and the end-to-end suites, which run against this path, hold it to that.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { AnyTRPCProcedure, AnyTRPCRouter, TRPCError } from '@trpc/server';
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import {
  coerceSchema,
  createProcedureCache,
  getErrorFromUnknown,
  getInputOutputParsers,
  getQuery,
  instanceofZodTypeLikeVoid,
  instanceofZodTypeObject,
  instanceofZodTypeOptional,
  normalizePath,
  TRPC_ERROR_CODE_HTTP_STATUS,
  unwrapZodType,
  zodSupportsCoerce,
} from 'trpc-to-openapi';
import { ZodArray, type ZodObject } from 'zod';
import type { Context } from '../api/trpc.js';
import { sendError } from './error-response.js';
import { callProcedure } from './procedure-call.js';
import { parseRestBody, readBodyText, type BodyLimits } from './request-body.js';

/** What the adapter's responseMeta is asked for (a subset of its options). */
export type ResponseMetaFor = (opts: {
  paths?: readonly string[] | undefined;
  errors: TRPCError[];
  ctx?: Context | undefined;
}) => { status?: number; headers?: Record<string, string | undefined> };

/** What the adapters' onError is told (a subset), the request included. */
export type OnError = (opts: {
  error: TRPCError;
  path?: string | undefined;
  req: IncomingMessage;
}) => void;

export interface FastRestOptions {
  /** The router REST serves (its zod schemas get the adapter's query-string coercion). */
  router: AnyTRPCRouter;
  createContext: (req: IncomingMessage) => Context;
  responseMeta: ResponseMetaFor;
  onError: OnError;
  bodyLimits: BodyLimits;
}

interface ProcedureShape {
  /** `z.void()` and its kin: the procedure takes no input at all. */
  takesNoInput: boolean;
  /** The object schema whose array fields take repeated query parameters. */
  objectSchema: ZodObject | undefined;
}

interface Match {
  procedure: { type: 'query' | 'mutation'; path: string; procedure: AnyTRPCProcedure };
  pathInput: Record<string, string>;
}

export interface RestRoute {
  match: Match;
  /** The path (after `/api`) and query string of the request target. */
  query: string;
}

export interface FastRest {
  /** The operation a request targets, or `undefined` when express should answer it. */
  route: (method: string, target: string) => RestRoute | undefined;
  serve: (req: IncomingMessage, res: ServerResponse, route: RestRoute) => Promise<void>;
}

/** Characters a path may hold here and mean the same raw and parsed as a URL (no dot segments). */
const plainPath = /^\/[A-Za-z0-9\-_~!$&'()*+,;=:@%./]*$/;
const dotSegment = /(^|\/)(\.|%2e){1,2}(\/|$)/i;
/** `getQuery` reads `req.query` when it is set, as it is here; the URL is then not read. */
const queryBase = new URL('http://127.0.0.1/');

function shapeOf(procedure: AnyTRPCProcedure): ProcedureShape {
  const { inputParser } = getInputOutputParsers(procedure);
  const unwrapped = unwrapZodType(inputParser, true);
  const isObject = zodSupportsCoerce && instanceofZodTypeObject(unwrapped);
  // The adapter coerces on every call; coercion only ever switches flags on, so once is the same.
  if (isObject) coerceSchema(unwrapped);
  return {
    takesNoInput: instanceofZodTypeLikeVoid(unwrapped),
    objectSchema: isObject ? unwrapped : undefined,
  };
}

/** Wraps single query values of array fields in arrays, as the adapter does for GET. */
function arrayQueryFields(schema: ZodObject, input: Record<string, unknown>): void {
  for (const [key, shape] of Object.entries(schema.shape)) {
    const isArray =
      shape instanceof ZodArray ||
      (instanceofZodTypeOptional(shape as never) &&
        (shape as { unwrap(): unknown }).unwrap() instanceof ZodArray);
    if (isArray && input[key] !== undefined && !Array.isArray(input[key]))
      input[key] = [input[key]];
  }
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | undefined> | undefined,
  body: unknown,
): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  if (headers !== undefined)
    for (const [key, value] of Object.entries(headers)) {
      if (value !== undefined) res.setHeader(key, value);
    }
  // Set here so that HEAD, whose body Node drops, announces the length GET sends.
  if (text !== undefined) res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export function createFastRest(options: FastRestOptions): FastRest {
  const { router, createContext, responseMeta, onError, bodyLimits } = options;
  const getProcedure = createProcedureCache(router);
  const shapes = new Map<AnyTRPCProcedure, ProcedureShape>();
  for (const procedure of Object.values(
    router._def.procedures as Record<string, AnyTRPCProcedure>,
  )) {
    shapes.set(procedure, shapeOf(procedure));
  }

  const route = (method: string, target: string): RestRoute | undefined => {
    const queryAt = target.indexOf('?');
    const path = queryAt < 0 ? target : target.slice(0, queryAt);
    const query = queryAt < 0 ? '' : target.slice(queryAt + 1);
    if (!plainPath.test(path) || dotSegment.test(path) || query.includes('#')) return undefined;
    // The adapter would serve HEAD as GET behind `rest-methods.ts`; only GET and POST exist here.
    const verb = method === 'HEAD' ? 'GET' : method;
    if (verb !== 'GET' && verb !== 'POST') return undefined;
    const match = getProcedure(verb, normalizePath(path)) as Match | undefined;
    if (match?.procedure === undefined) return undefined;
    return { match, query };
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, { match, query }: RestRoute) => {
    const useBody = req.method === 'POST';
    let body: unknown;
    if (useBody) {
      // As `restBodyParser`: refusals of the body are answered before any procedure runs.
      const read = await readBodyText(req, bodyLimits);
      if (read === 'aborted') return;
      if (!read.ok) {
        sendError(res, read.reason, read.message);
        return;
      }
      const parsed = parseRestBody(read.text);
      if (!parsed.ok) {
        sendError(res, parsed.reason, parsed.message, parsed.issues);
        return;
      }
      body = parsed.value;
    }
    const { procedure: entry, pathInput } = match;
    const shape = shapes.get(entry.procedure) as ProcedureShape;
    let input: Record<string, unknown> | undefined;
    let ctx: Context | undefined;
    try {
      if (!shape.takesNoInput) {
        // express's query parser ('simple': node:querystring) runs before the adapter, which
        // takes its `req.query`; an empty value is then dropped, as there.
        const source = useBody
          ? body
          : getQuery(Object.assign(req, { query: parseQuery(query) }), queryBase);
        input = { ...(source as object), ...pathInput };
        if (!useBody && shape.objectSchema !== undefined)
          arrayQueryFields(shape.objectSchema, input);
      }
      ctx = createContext(req);
      const data: unknown = await callProcedure(entry.procedure, {
        path: entry.path,
        getRawInput: () => Promise.resolve(input),
        ctx,
        type: entry.type,
        signal: undefined,
        batchIndex: 0,
      });
      const meta = responseMeta({ paths: [entry.path], errors: [], ctx });
      send(res, meta.status ?? 200, meta.headers, data);
    } catch (cause) {
      const error = getErrorFromUnknown(cause);
      onError({ error, path: entry.path, req });
      const meta = responseMeta({ paths: [entry.path], errors: [error], ctx });
      const errorShape = getErrorShape({
        config: router._def._config,
        error,
        type: entry.type,
        path: entry.path,
        input,
        ctx,
      }) as Record<string, unknown> | undefined;
      const isInputValidationError =
        error.code === 'BAD_REQUEST' &&
        error.cause instanceof Error &&
        error.cause.name === 'ZodError';
      send(res, meta.status ?? TRPC_ERROR_CODE_HTTP_STATUS[error.code] ?? 500, meta.headers, {
        ...errorShape,
        message: isInputValidationError
          ? 'Input validation failed'
          : ((errorShape?.message as string | undefined) ?? error.message ?? 'An error occurred'),
        code: error.code,
        issues: isInputValidationError ? (error.cause as { issues?: unknown }).issues : undefined,
      });
    }
  };

  return { route, serve };
}
