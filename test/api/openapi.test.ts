import { readFileSync } from 'node:fs';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { describe, expect, it } from 'vitest';
import { httpStatusOf, trpcCodeByReason } from '../../src/api/errors.js';
import { createOpenApiDocument, reasonsByOperation } from '../../src/api/openapi.js';
import { operatorOperationIds, operatorSecurity } from '../../src/api/operator-security.js';
import { createAppRouter } from '../../src/api/routers/_app.js';
import { reasons } from '../../src/domain/reasons.js';

const appRouter = createAppRouter({ countMax: 1_000 });
const document = createOpenApiDocument(appRouter, {
  version: 'test',
  countMax: 1_000,
  bodyBytesMax: 4096,
});
const text = JSON.stringify(document);
const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
  Object.entries(item as Record<string, any>).map(([method, operation]) => ({
    path,
    method,
    operation,
  })),
);

/**
 * The REST contract (WRITEUP.md), plus the bulk endpoints and the diagnostic no-op: method, path, success status and the
 * refusal statuses.
 */
const contract: [string, string, number, number[]][] = [
  ['post', '/raffles', 201, [400, 409]],
  ['get', '/raffles', 200, []],
  ['get', '/raffles/{raffleId}', 200, [404]],
  ['post', '/raffles/{raffleId}/tickets', 200, [400, 404, 409]],
  ['post', '/raffles/{raffleId}/transfers', 200, [400, 404, 409]],
  ['post', '/raffles/{raffleId}/draws', 201, [404, 409]],
  ['get', '/raffles/{raffleId}/draws', 200, [404]],
  ['get', '/raffles/{raffleId}/participants', 200, [400, 404]],
  ['get', '/raffles/{raffleId}/participants/{username}', 200, [404]],
  ['post', '/raffles/{raffleId}/tickets/bulk', 200, [400, 404, 422]],
  ['post', '/raffles/{raffleId}/transfers/bulk', 200, [400, 404, 422]],
  ['post', '/noop', 200, [400]],
  ['post', '/campaigns', 201, [400, 403, 409]],
  ['get', '/campaigns', 200, [400]],
  ['get', '/campaigns/{campaignId}', 200, [404]],
  ['post', '/campaigns/{campaignId}/draws', 201, [400, 404, 409]],
  ['get', '/campaigns/{campaignId}/draws', 200, [400, 403, 404]],
  ['post', '/campaigns/{campaignId}/redemptions', 200, [403, 404, 409]],
  ['post', '/prize-raffles', 201, [400, 403, 409]],
  ['get', '/prize-raffles', 200, [400]],
  ['get', '/prize-raffles/{id}', 200, [404]],
  ['post', '/prize-raffles/{id}/entries', 201, [400, 404, 409, 422]],
  ['post', '/prize-raffles/{id}/draws', 201, [403, 404, 409, 422]],
  ['get', '/prize-raffles/{id}/winners', 200, [404, 409]],
  ['post', '/prize-raffles/{id}/verifications', 200, [400, 403, 404, 409]],
];

describe('OpenAPI document', () => {
  it('documents exactly the operations of the REST contract, with its statuses', () => {
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(
      contract.map(([method, path]) => `${method} ${path}`).sort(),
    );
    for (const [method, path, success, refusals] of contract) {
      const responses = (document.paths?.[path] as any)[method].responses;
      expect(Object.keys(responses), `${method} ${path}`).toContain(String(success));
      for (const status of refusals)
        expect(Object.keys(responses), `${method} ${path}`).toContain(String(status));
      if (path !== '/noop') expect(responses['503'].headers['Retry-After']).toBeDefined();
    }
  });

  it('lists every reason code, and each operation names the reasons it can answer', () => {
    for (const reason of reasons) expect(text, reason).toContain(reason);
    for (const { operation } of operations) {
      const listed = Object.values(operation.responses as Record<string, any>).flatMap(
        (r) => r['x-reasons'] ?? [],
      );
      for (const reason of reasonsByOperation(appRouter)[operation.operationId] ?? ['missing']) {
        expect(listed, operation.operationId).toContain(reason);
      }
    }
  });

  it('only operator operations require credentials; no leftover generated error schemas', () => {
    const operators = operatorOperationIds(createAppRouter({ countMax: 1_000 }));
    for (const { operation } of operations) {
      const guarded = operators.has(operation.operationId);
      // Public operations state an empty requirement; operator ones both schemes.
      expect(operation.security, operation.operationId).toEqual(guarded ? operatorSecurity : []);
      // A 403 of its own (verification_failed) does not make an operation an operator one.
      const forbidden: string[] = operation.responses['403']?.['x-reasons'] ?? [];
      expect(forbidden.includes('manager_only'), operation.operationId).toBe(guarded);
    }
    expect(Object.keys(document.components?.securitySchemes ?? {}).sort()).toEqual([
      'managerAddress',
      'managerToken',
    ]);
    expect(
      Object.keys(document.components?.schemas ?? {}).filter((n) => n.startsWith('error.')),
    ).toEqual([]);
    expect(document.components?.schemas?.Error).toBeDefined();
  });

  it('every reason maps to the HTTP status tRPC gives its code', () => {
    for (const reason of reasons) {
      const error = new TRPCError({ code: trpcCodeByReason[reason] });
      expect(httpStatusOf(reason), reason).toBe(getHTTPStatusCodeFromError(error));
    }
  });
});

describe('WRITEUP.md', () => {
  const writeup = readFileSync(new URL('../../WRITEUP.md', import.meta.url), 'utf8');

  it('documents every reason code with its status', () => {
    for (const reason of reasons) {
      expect(writeup, reason).toMatch(new RegExp(`\`${reason}\`[^\\n]*${httpStatusOf(reason)}`));
    }
  });

  it('documents every endpoint of the contract', () => {
    for (const [method, path] of contract) {
      expect(writeup, `${method} ${path}`).toContain(`${method.toUpperCase()} /api${path}`);
    }
  });
});
