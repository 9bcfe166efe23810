/**
 * Single tRPC calls under `/trpc`, served straight from node:http: a mutation as
 * `POST /trpc/<path>` with a body, a query as `GET /trpc/<path>?input=…`, answered as tRPC's own
 * HTTP handler answers them (`{"result":{"data":…}}` or `{"error":…}` through the transformer, the
 * same status, `Vary` and `Content-Type`) but without converting the request into a WHATWG
 * Request and the answer back from a WHATWG Response, which was most of the cost of a call.
 *
 * It follows `resolveResponse` of @trpc/server 11 for the non-batched case: the body is parsed
 * once, lazily, inside the procedure's `getRawInput`, so a malformed body fails where it failed
 * before; a context that cannot be built (a body refused while it was read) fails the call in
 * tRPC's error shape. A batch of one call (what tRPC's batch link sends for a lone call, so every
 * call of the typed client) is served too, answered as an array of one. Everything else (longer
 * batches, methods a procedure does not take, bodiless POSTs, streaming accept headers, unknown
 * or encoded paths) goes to the express app with tRPC's adapter, so their answers do not change. The one visible difference: answers carry a
 * `Content-Length` instead of being chunked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError, type AnyTRPCProcedure, type AnyTRPCRouter } from '@trpc/server';
import {
  getErrorShape,
  getHTTPStatusCode,
  type DefaultErrorShape,
  type RootConfig,
  getTRPCErrorFromUnknown,
  transformTRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import type { Refusal } from '../domain/reasons.js';
import { refusalError } from '../api/errors.js';
import type { Context } from '../api/trpc.js';
import type { OnError, ResponseMetaFor } from './fast-rest.js';
import { callProcedure } from './procedure-call.js';
import { hasBody, readBodyText, type BodyLimits } from './request-body.js';

export interface FastTrpcOptions {
  router: AnyTRPCRouter;
  createContext: (req: IncomingMessage) => Context;
  responseMeta: ResponseMetaFor;
  onError: OnError;
  bodyLimits: BodyLimits;
}

export interface TrpcRoute {
  path: string;
  procedure: AnyTRPCProcedure;
  type: 'query' | 'mutation';
  query: string;
  /** A batch of one call (`?batch=1`): inputs keyed by index, the answer an array of one. */
  batch: boolean;
}

export interface FastTrpc {
  /** The single call a request makes, or `undefined` when tRPC's own adapter should answer it. */
  route: (req: IncomingMessage, target: string) => TrpcRoute | undefined;
  serve: (req: IncomingMessage, res: ServerResponse, route: TrpcRoute) => Promise<void>;
}

const procedureName = /^[A-Za-z0-9_.]+$/;
const unread = Symbol('unread');

export function createFastTrpc(options: FastTrpcOptions): FastTrpc {
  const { router, createContext, responseMeta, onError, bodyLimits } = options;
  // The router's own configuration (transformer, error formatter), as its HTTP handler uses it.
  const config = router._def._config as RootConfig<{
    ctx: Context;
    meta: object;
    errorShape: DefaultErrorShape;
    transformer: true;
  }>;
  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure>;

  const route = (req: IncomingMessage, target: string): TrpcRoute | undefined => {
    const queryAt = target.indexOf('?');
    const path = queryAt < 0 ? target : target.slice(0, queryAt);
    const query = queryAt < 0 ? '' : target.slice(queryAt + 1);
    if (!procedureName.test(path) || !Object.hasOwn(procedures, path)) return undefined;
    const procedure = procedures[path] as AnyTRPCProcedure;
    const type = procedure._def.type as string;
    const headers = req.headers;
    if (headers['trpc-accept'] !== undefined || headers.accept?.includes('application/jsonl')) {
      return undefined;
    }
    if (query.includes('#')) return undefined;
    // tRPC's batch link sends even a single call as a batch of one; longer batches (paths joined
    // by commas, which `procedureName` refuses) and any other `batch` value go to the adapter.
    const batch = query.includes('batch=');
    if (batch && new URLSearchParams(query).get('batch') !== '1') return undefined;
    if (type === 'mutation' && req.method === 'POST' && hasBody(req)) {
      return { path, procedure, type, query, batch };
    }
    // HEAD is served as GET (as `headAsGet` does in the app); Node sends no body for it.
    const readsOnly = req.method === 'GET' || req.method === 'HEAD';
    if (type === 'query' && readsOnly && headers['content-type'] === undefined) {
      return { path, procedure, type, query, batch };
    }
    return undefined;
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, call: TrpcRoute) => {
    let text: string | undefined;
    let refusal: Refusal | undefined;
    if (call.type === 'mutation') {
      const read = await readBodyText(req, bodyLimits);
      if (read === 'aborted') return;
      if (read.ok) text = read.text;
      else refusal = read;
    } else {
      text = new URLSearchParams(call.query).get('input') ?? undefined;
    }
    // tRPC's memo: the input is parsed on first read, and an error there is a BAD_REQUEST.
    let input: unknown = unread;
    const getRawInput = (): Promise<unknown> => {
      if (input !== unread) return Promise.resolve(input);
      try {
        let parsed: unknown = text ? JSON.parse(text) : undefined;
        if (call.batch && parsed !== undefined) {
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            throw new TRPCError({
              code: 'BAD_REQUEST',
              message: '"input" needs to be an object when doing a batch call',
            });
          }
          parsed = (parsed as Record<string, unknown>)[0];
        }
        input = parsed === undefined ? undefined : config.transformer.input.deserialize(parsed);
      } catch (cause) {
        if (cause instanceof TRPCError) return Promise.reject(cause);
        return Promise.reject(
          new TRPCError({
            code: 'BAD_REQUEST',
            message: cause instanceof Error ? cause.message : 'Invalid input',
            cause,
          }),
        );
      }
      return Promise.resolve(input);
    };
    let ctx: Context | undefined;
    let body: unknown;
    let errors: TRPCError[] = [];
    try {
      if (refusal !== undefined) throw refusalError(refusal);
      ctx = createContext(req);
      const data: unknown = await callProcedure(call.procedure, {
        path: call.path,
        getRawInput,
        ctx,
        type: call.type,
        signal: undefined,
        batchIndex: 0,
      });
      body = { result: { data } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      const readInput = input === unread ? undefined : input;
      onError({ error, path: call.path, req });
      errors = [error];
      body = {
        error: getErrorShape({
          config,
          ctx,
          error,
          input: readInput,
          path: call.path,
          type: call.type,
        }),
      };
    }
    const answer = call.batch ? [body] : body;
    const meta = responseMeta({ paths: [call.path], errors, ctx });
    const status = meta.status ?? getHTTPStatusCode(answer as never, errors);
    const json = JSON.stringify(transformTRPCResponse(config, answer as never));
    res.statusCode = status;
    res.setHeader('Vary', 'trpc-accept, accept');
    res.setHeader('Content-Type', 'application/json');
    if (meta.headers !== undefined) {
      for (const [key, value] of Object.entries(meta.headers)) {
        if (value !== undefined) res.setHeader(key, value);
      }
    }
    res.setHeader('Content-Length', Buffer.byteLength(json));
    res.end(json);
  };

  return { route, serve };
}
