/**
 * The operator guard through createCaller with crafted contexts, and what the OpenAPI document
 * derives from it. No operator procedure exists in the service yet, so a small router here is
 * built on `operatorProcedure` exactly as the real ones will be.
 */
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reasonOf } from '../../src/api/errors.js';
import { createOpenApiDocument } from '../../src/api/openapi.js';
import { operatorOperationIds } from '../../src/api/operator-security.js';
import {
  createCallerFactory,
  operatorProcedure,
  publicProcedure,
  router,
  type CommandSubmitter,
  type Context,
} from '../../src/api/trpc.js';
import { reasonCatalogue } from '../../src/domain/reasons.js';

let runs: string[] = [];

const testRouter = router({
  purge: operatorProcedure
    .meta({ refuses: [], openapi: { method: 'POST', path: '/ops/purge', summary: 'Purge (test)' } })
    .input(z.object({ count: z.number().int().positive() }))
    .output(z.object({ purged: z.number() }))
    .mutation(({ input }) => {
      runs.push('purge');
      return { purged: input.count };
    }),
  ops: router({
    peek: operatorProcedure.query(({ ctx }) => {
      runs.push('peek');
      return ctx.clientAddress ?? null;
    }),
  }),
  open: publicProcedure
    .meta({ refuses: [], openapi: { method: 'GET', path: '/ops/open' } })
    .output(z.string())
    .query(() => 'open'),
});

const engine: CommandSubmitter = {
  submit: () => Promise.reject(new Error('the test router submits nothing')),
  query: () => Promise.reject(new Error('the test router reads nothing')),
};

function callerWith(facts: Partial<Context>) {
  return createCallerFactory(testRouter)({
    engine,
    transport: 'internal',
    exposeInternalErrors: false,
    ...facts,
  });
}

async function refusalOf(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    const trpcError = error as TRPCError;
    return {
      reason: reasonOf(trpcError),
      status: getHTTPStatusCodeFromError(trpcError),
      message: trpcError.message,
    };
  }
  return 'ok';
}

const managerOnly = { reason: 'manager_only', status: 403, message: reasonCatalogue.manager_only };

beforeEach(() => {
  runs = [];
});

describe('operatorProcedure', () => {
  it('lets an operator through', async () => {
    const caller = callerWith({ isOperator: true, clientAddress: '203.0.113.9' });
    expect(await caller.purge({ count: 3 })).toEqual({ purged: 3 });
    expect(await caller.ops.peek()).toBe('203.0.113.9');
    expect(runs).toEqual(['purge', 'peek']);
  });

  it('refuses anyone else with 403 manager_only, without running the procedure', async () => {
    for (const facts of [
      { isOperator: false },
      {},
      // The guard trusts only the edge's decision, never an address it is handed.
      { isOperator: false, clientAddress: '127.0.0.1' },
    ]) {
      expect(await refusalOf(callerWith(facts).purge({ count: 1 }))).toEqual(managerOnly);
      expect(await refusalOf(callerWith(facts).ops.peek())).toEqual(managerOnly);
    }
    expect(runs).toEqual([]);
  });

  it('refuses before validating the input, so bad input from anyone else is 403 too', async () => {
    expect(await refusalOf(callerWith({ isOperator: false }).purge({ count: -1 }))).toEqual(
      managerOnly,
    );
    expect(
      (await refusalOf(callerWith({ isOperator: true }).purge({ count: -1 }))) as object,
    ).toMatchObject({ reason: 'invalid_input', status: 400 });
  });

  it('leaves public procedures open', async () => {
    expect(await callerWith({ isOperator: false }).open()).toBe('open');
  });
});

describe('operator operations in the OpenAPI document', () => {
  it('are found from the meta flag the guard sets, nested or not', () => {
    expect([...operatorOperationIds(testRouter)].sort()).toEqual(['ops-peek', 'purge']);
    const meta = (testRouter._def.procedures as Record<string, any>)['purge']._def.meta;
    expect(meta).toMatchObject({ operator: true, openapi: { path: '/ops/purge' } });
  });

  it('carry both operator schemes and 403 manager_only; public ones neither', () => {
    const document = createOpenApiDocument(testRouter, {
      version: 'test',
      countMax: 10,
      bodyBytesMax: 4096,
    });
    expect(document.components?.securitySchemes).toMatchObject({
      managerToken: { type: 'http', scheme: 'bearer' },
      managerAddress: { type: 'apiKey', in: 'header', name: 'X-Forwarded-For' },
    });
    const purge = (document.paths?.['/ops/purge'] as any).post;
    expect(purge.security).toEqual([{ managerAddress: [] }, { managerToken: [] }]);
    expect(purge.responses['403']['x-reasons']).toEqual(['manager_only']);
    const open = (document.paths?.['/ops/open'] as any).get;
    expect(open.security).toEqual([]);
    expect(open.responses['403']).toBeUndefined();
  });
});
