/**
 * The request context as `createRequestContext` builds it: the operator decision is taken only
 * when asked, once, and right; and the context's shape is the class's, shared by every request.
 *
 * The last point guards memory, not behaviour: a getter written in an object literal is a new
 * accessor per request, which V8 keeps in a hidden class of its own in the old generation, and
 * that kept each finished request alive through young-generation collections until it was
 * promoted (`npm run profile:gc`). Any context carrying its own accessor fails here.
 */
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CommandSubmitter } from '../../src/api/trpc.js';
import { parseEnv } from '../../src/server/env.js';
import { OperatorAccess } from '../../src/server/operator-access.js';
import { createRequestContext } from '../../src/server/request-context.js';

const engine: CommandSubmitter = {
  submit: () => Promise.reject(new Error('not submitted in these tests')),
  query: () => Promise.reject(new Error('not queried in these tests')),
};

const token = 'a-long-enough-operator-token-for-tests';

function requestFrom(address: string, headers: Record<string, string> = {}): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: address });
  return { socket, headers } as unknown as IncomingMessage;
}

const contextFor = createRequestContext(undefined, {
  engine,
  config: parseEnv({ MANAGER_IPS: '10.0.0.7', MANAGER_TOKEN: token }),
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createRequestContext', () => {
  it('decides whether the caller is an operator only when asked, and only once', () => {
    const check = vi.spyOn(OperatorAccess.prototype, 'isOperator');
    const ctx = contextFor('rest')({
      req: requestFrom('203.0.113.5', { authorization: `Bearer ${token}` }),
    });
    expect(check).not.toHaveBeenCalled();
    expect(ctx.isOperator).toBe(true);
    expect(ctx.isOperator).toBe(true);
    expect(check).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['an allowed address', '10.0.0.7', {}, true],
    ['the token', '203.0.113.5', { authorization: `Bearer ${token}` }, true],
    ['another token', '203.0.113.5', { authorization: 'Bearer not-the-token' }, false],
    ['neither', '203.0.113.5', {}, false],
  ])('with %s the caller is an operator: %s', (_name, address, headers, expected) => {
    const ctx = contextFor('trpc')({ req: requestFrom(address, headers) });
    expect(ctx.isOperator).toBe(expected);
    expect(ctx.clientAddress).toBe(address);
  });

  it('reads the Idempotency-Key header on REST only, the first of repeated ones', () => {
    const req = requestFrom('203.0.113.5');
    (req.headers as Record<string, unknown>)['idempotency-key'] = ['first', 'second'];
    expect(contextFor('rest')({ req }).idempotencyKeyHeader).toBe('first');
    expect(contextFor('trpc')({ req }).idempotencyKeyHeader).toBeUndefined();
  });

  it('gives every request the same shape: no accessor of its own', () => {
    const a = contextFor('rest')({ req: requestFrom('203.0.113.5') });
    const b = contextFor('rest')({ req: requestFrom('203.0.113.6') });
    for (const ctx of [a, b]) {
      for (const key of Reflect.ownKeys(ctx)) {
        const descriptor = Object.getOwnPropertyDescriptor(ctx, key) ?? {};
        expect('get' in descriptor || 'set' in descriptor, String(key)).toBe(false);
      }
    }
    expect(Object.getPrototypeOf(a)).toBe(Object.getPrototypeOf(b));
    expect(a.answer).not.toBe(b.answer);
  });
});
