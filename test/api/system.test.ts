import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { createAppRouter } from '../../src/api/routers/_app.js';
import { createCallerFactory, type CommandSubmitter } from '../../src/api/trpc.js';

/** An engine that fails the test if anything reaches it: the noop must not touch the queue. */
const untouchable: CommandSubmitter = {
  submit: () => {
    throw new Error('noop reached the engine');
  },
  query: () => {
    throw new Error('noop reached the engine');
  },
};
const caller = createCallerFactory(createAppRouter({ countMax: 100 }))({
  engine: untouchable,
  transport: 'internal',
  exposeInternalErrors: false,
});

describe('system.noop', () => {
  it('noop: answers { ok: true } for an issue-shaped input without reaching the engine', async () => {
    expect(await caller.system.noop({ username: 'alice', count: 5 })).toEqual({ ok: true });
  });

  it.each([
    ['empty username', { username: '', count: 1 }],
    ['count over COUNT_MAX', { username: 'alice', count: 101 }],
    ['fractional count', { username: 'alice', count: 1.5 }],
    ['control character', { username: 'a\u0007b', count: 1 }],
  ])('noop: %s is refused like an issue would be', async (_name, input) => {
    await expect(caller.system.noop(input)).rejects.toBeInstanceOf(TRPCError);
  });
});
