/**
 * The fast path's procedure caller against tRPC's own: a router whose middlewares use every way
 * `next` can be called (a new context merged over the old, a new raw input, a new input, nothing)
 * and can throw, is called both ways with inputs drawn by fast-check (fixed seed), and the answers
 * or the errors (code, message and validation issues) must be the same. Three procedures end the
 * usual way (input, output, resolver), which the caller runs as one step: plain, with an input a
 * middleware set before the validator, and with a refinement only the async parse can run.
 */
import { initTRPC, TRPCError, type AnyTRPCProcedure } from '@trpc/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callProcedure } from '../../src/server/procedure-call.js';

interface Ctx {
  user: string;
  calls: string[];
}

const t = initTRPC.context<Ctx>().create();

const base = t.procedure
  .use(({ ctx, next }) => {
    ctx.calls.push('first');
    return next({ ctx: { role: ctx.user === 'root' ? 'operator' : 'caller' } });
  })
  .use(async ({ getRawInput, next }) => {
    const raw = await getRawInput();
    if (typeof raw === 'object' && raw !== null && 'shout' in raw) {
      return next({ getRawInput: () => Promise.resolve({ ...raw, text: String(raw.shout) }) });
    }
    return next();
  })
  .use(({ ctx, next }) => {
    if (ctx.user === 'banned') throw new TRPCError({ code: 'FORBIDDEN', message: 'banned' });
    return next();
  });

const router = t.router({
  echo: base
    .input(z.object({ text: z.string().max(5), shout: z.unknown().optional() }))
    .output(z.object({ text: z.string(), role: z.string(), user: z.string() }))
    .use(({ input, next }) => next({ input: { ...input, text: input.text.toUpperCase() } }))
    .query(({ ctx, input }) => {
      if (input.text === 'BOOM') throw new Error('resolver failed');
      return { text: input.text, role: ctx.role, user: ctx.user, extra: 'stripped' };
    }),
  bad: base.output(z.object({ n: z.number() })).mutation(() => ({ n: 'not a number' }) as never),
  // The usual ending (input, output, resolver), which the caller runs as one step.
  plain: base
    .input(z.object({ text: z.string().max(5), shout: z.unknown().optional() }))
    .output(z.object({ text: z.string(), length: z.number().max(4) }))
    .mutation(async ({ ctx, input }) => {
      await Promise.resolve();
      if (input.text === 'boom') throw new TRPCError({ code: 'CONFLICT', message: 'exploded' });
      return { text: `${ctx.role}:${input.text}`, length: input.text.length, extra: true };
    }),
  // An input set by a middleware before the validator is merged under the parsed one.
  preset: base
    .use(({ next }) => next({ input: { preset: 'kept', text: 'overwritten' } }))
    .input(z.object({ text: z.string() }))
    .output(z.object({ text: z.string(), preset: z.string() }))
    .query(({ input }) => input as never),
  // A refinement that awaits makes zod's synchronous parse refuse: the async parse takes over.
  slow: base
    .input(
      z.object({ text: z.string() }).refine(async (value) => {
        await Promise.resolve();
        return value.text !== 'hi';
      }, 'no greetings'),
    )
    .output(z.object({ text: z.string() }))
    .query(({ input }) => ({ text: input.text })),
});

type Outcome =
  { ok: true; data: unknown } | { ok: false; code: string; message: string; issues: unknown };

async function outcomeOf(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, data: await run() };
  } catch (error) {
    const e = error as TRPCError;
    // The cause too: a validation failure carries zod's issues, which the answers show.
    const cause = e.cause as { issues?: unknown } | undefined;
    return { ok: false, code: e.code, message: e.message, issues: cause?.issues };
  }
}

describe('callProcedure', () => {
  it('answers and fails exactly as the procedure called by tRPC', async () => {
    const seed = 1_617;
    const procedures = router._def.procedures as Record<string, AnyTRPCProcedure>;
    let reached = { ok: 0, failed: 0 };
    const answered = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('echo', 'bad', 'plain', 'preset', 'slow'),
        fc.constantFrom('alice', 'root', 'banned'),
        fc.oneof(
          fc.record({ text: fc.constantFrom('hi', 'boom', 'hello', 'far too long', '') }),
          fc.record({ text: fc.constant('x'), shout: fc.constantFrom('hey', 'boom', 7) }),
          fc.constantFrom<unknown>(undefined, null, 'text', 3),
        ),
        async (name, user, input) => {
          const procedure = procedures[name] as AnyTRPCProcedure;
          const type: 'query' | 'mutation' =
            name === 'bad' || name === 'plain' ? 'mutation' : 'query';
          const call = (ctx: Ctx) => ({
            path: name,
            type,
            ctx,
            getRawInput: () => Promise.resolve(input),
            signal: undefined,
            batchIndex: 0,
          });
          const theirsCtx: Ctx = { user, calls: [] };
          const oursCtx: Ctx = { user, calls: [] };
          const theirs = await outcomeOf(() => procedure(call(theirsCtx)));
          const ours = await outcomeOf(() => callProcedure(procedure, call(oursCtx)));
          expect(ours, `seed ${seed}`).toEqual(theirs);
          expect(oursCtx.calls).toEqual(theirsCtx.calls);
          if (theirs.ok) answered.add(name);
          if (theirs.ok) reached = { ...reached, ok: reached.ok + 1 };
          else reached = { ...reached, failed: reached.failed + 1 };
        },
      ),
      { seed, numRuns: 200 },
    );
    expect(reached.ok).toBeGreaterThan(0);
    expect(reached.failed).toBeGreaterThan(0);
    // `bad` never answers; every other procedure must have, or its path went untried.
    expect([...answered].sort()).toEqual(['echo', 'plain', 'preset', 'slow']);
  });
});
