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
 * tRPC's error shape. Batches are served too (tRPC's batch link, the typed client's default,
 * sends even a lone call as a batch of one): the calls run together on one context, each answered
 * in its place of an array. Everything else (batches mixing queries and mutations or naming an
 * unknown procedure, methods a procedure does not take, bodiless POSTs, streaming accept headers,
 * unknown or encoded paths) goes to the express app with tRPC's adapter, so their answers do not
 * change. The one visible difference: answers carry a
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
  /** The calls in order: one, or those of a batch. */
  calls: { path: string; procedure: AnyTRPCProcedure }[];
  type: 'query' | 'mutation';
  query: string;
  /** A batch (`?batch=1`): inputs keyed by index, the answer an array, one item per call. */
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
    const headers = req.headers;
    if (headers['trpc-accept'] !== undefined || headers.accept?.includes('application/jsonl')) {
      return undefined;
    }
    if (query.includes('#')) return undefined;
    // tRPC's batch link sends even a lone call as a batch (of one). A batch whose calls are not
    // all known procedures of one type, and any other `batch` value, go to the adapter.
    const batch = query.includes('batch=');
    if (batch && new URLSearchParams(query).get('batch') !== '1') return undefined;
    const calls: TrpcRoute['calls'] = [];
    for (const name of batch ? path.split(',') : [path]) {
      if (!procedureName.test(name) || !Object.hasOwn(procedures, name)) return undefined;
      calls.push({ path: name, procedure: procedures[name] as AnyTRPCProcedure });
    }
    const type = (calls[0] as TrpcRoute['calls'][number]).procedure._def.type as string;
    if (calls.some((call) => call.procedure._def.type !== type)) return undefined;
    if (type === 'mutation' && req.method === 'POST' && hasBody(req)) {
      return { calls, type, query, batch };
    }
    // HEAD is served as GET (as `headAsGet` does in the app); Node sends no body for it.
    const readsOnly = req.method === 'GET' || req.method === 'HEAD';
    if (type === 'query' && readsOnly && headers['content-type'] === undefined) {
      return { calls, type, query, batch };
    }
    return undefined;
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, route: TrpcRoute) => {
    let text: string | undefined;
    let refusal: Refusal | undefined;
    if (route.type === 'mutation') {
      const read = await readBodyText(req, bodyLimits);
      if (read === 'aborted') return;
      if (read.ok) text = read.text;
      else refusal = read;
    } else {
      text = new URLSearchParams(route.query).get('input') ?? undefined;
    }
    // tRPC's memo: the inputs are parsed on the first read, and an error there (a BAD_REQUEST)
    // is every call's; a batch's inputs are keyed by the call's index.
    let inputs: unknown[] | typeof unread = unread;
    let parseError: TRPCError | undefined;
    const parseInputs = (): unknown[] => {
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      if (!route.batch) {
        return [parsed === undefined ? undefined : config.transformer.input.deserialize(parsed)];
      }
      if (parsed === undefined) return [];
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: '"input" needs to be an object when doing a batch call',
        });
      }
      return route.calls.map((_call, index): unknown => {
        const raw = (parsed as Record<string, unknown>)[index];
        return raw === undefined
          ? undefined
          : (config.transformer.input.deserialize(raw) as unknown);
      });
    };
    const rawInputOf = (index: number) => (): Promise<unknown> => {
      if (inputs === unread && parseError === undefined) {
        try {
          inputs = parseInputs();
        } catch (cause) {
          parseError =
            cause instanceof TRPCError
              ? cause
              : new TRPCError({
                  code: 'BAD_REQUEST',
                  message: cause instanceof Error ? cause.message : 'Invalid input',
                  cause,
                });
        }
      }
      if (parseError !== undefined) return Promise.reject(parseError);
      return Promise.resolve((inputs as unknown[])[index]);
    };
    // One context for all the calls, as tRPC builds it; a failure to build it is each call's.
    let ctx: Context | undefined;
    let contextError: TRPCError | undefined;
    if (refusal === undefined) {
      try {
        ctx = createContext(req);
      } catch (cause) {
        contextError = getTRPCErrorFromUnknown(cause);
      }
    }
    const run = async (
      call: TrpcRoute['calls'][number],
      index: number,
    ): Promise<[TRPCError | undefined, unknown]> => {
      try {
        if (refusal !== undefined) throw refusalError(refusal);
        if (contextError !== undefined) throw contextError;
        const data: unknown = await callProcedure(call.procedure, {
          path: call.path,
          getRawInput: rawInputOf(index),
          ctx,
          type: route.type,
          signal: undefined,
          batchIndex: index,
        });
        return [undefined, { result: { data } }];
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        onError({ error, path: call.path, req });
        const input = inputs === unread ? undefined : inputs[index];
        const shape = getErrorShape({
          config,
          ctx,
          error,
          input,
          path: call.path,
          type: route.type,
        });
        return [error, { error: shape }];
      }
    };
    // A lone call (nearly every call) is awaited by itself, without the batch's bookkeeping.
    const outcomes =
      route.calls.length === 1
        ? [await run(route.calls[0] as TrpcRoute['calls'][number], 0)]
        : await Promise.all(route.calls.map(run));
    const errors = outcomes.flatMap(([error]) => (error === undefined ? [] : [error]));
    const items = outcomes.map(([, item]) => item);
    const answer = route.batch ? items : items[0];
    const paths = route.calls.map((call) => call.path);
    const meta = responseMeta({ paths, errors, ctx });
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
