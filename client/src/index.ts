/**
 * The typed client of the raffle service.
 *
 * `createRaffleClient({ url })` returns a tRPC client over `${url}/trpc` with superjson and
 * request batching: calls made in the same tick travel in one HTTP request. Every input and output
 * type comes from the server's router, so a wrong call is a compile error. Only types are taken
 * from the server; at run time the package holds this file and the shared transformer.
 */
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError } from '@trpc/client';
import type { TRPCClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../src/api/routers/_app.js';
import type { Reason } from '../../src/domain/reasons.js';
import { transformer } from '../../src/shared/transformer.js';

export type { AppRouter, Reason };
export { TRPCClientError };

/** Inputs of every procedure, e.g. `RaffleInputs['tickets']['issue']`. */
export type RaffleInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. `RaffleOutputs['draws']['create']`. */
export type RaffleOutputs = inferRouterOutputs<AppRouter>;

export type RaffleClient = TRPCClient<AppRouter>;

export interface RaffleClientOptions {
  /**
   * Base URL of the service; the client calls `${url}/trpc`.
   * @example 'http://127.0.0.1:3000'
   */
  url: string;
  /**
   * Batch calls made in the same tick into one request.
   * @default true
   */
  batch?: boolean;
  /**
   * Most calls in one batched request.
   * @default 100
   */
  maxBatchItems?: number;
  /** Headers sent with every request (for example an API gateway's token). */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** A fetch implementation; the global one by default. */
  fetch?: typeof globalThis.fetch;
}

export function createRaffleClient(options: RaffleClientOptions): RaffleClient {
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  const common = {
    url,
    transformer,
    headers: options.headers ?? {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const link =
    options.batch === false
      ? httpLink(common)
      : httpBatchLink({ ...common, maxItems: options.maxBatchItems ?? 100 });
  return createTRPCClient<AppRouter>({ links: [link] });
}

/** The stable reason code of a refused call, or undefined for anything else. */
export function reasonOf(error: unknown): Reason | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data = (error as TRPCClientError<AppRouter>).data as { reason?: unknown } | undefined;
  return typeof data?.reason === 'string' ? (data.reason as Reason) : undefined;
}
