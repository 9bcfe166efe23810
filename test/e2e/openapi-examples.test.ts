/**
 * The OpenAPI document's examples, used the way "Try it out" uses them: every operation, in the
 * order the document lists them, sent to a fresh service with exactly the example path
 * parameters, query parameters, headers and body the document gives, must answer its documented
 * success status. A second pass (a user pressing Execute again) must too, and change nothing, as
 * each keyed example carries its own idempotency key. Each error response shows one example per
 * reason that operation can answer, and only those.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusOf } from '../../src/api/errors.js';
import { isReason } from '../../src/domain/reasons.js';
import type { RunningServer } from '../../src/server/server.js';
import { rawRequest, startTestServer } from '../support/server.js';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  example?: string | number;
  schema?: { example?: string | number };
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: {
    required?: boolean;
    content: { 'application/json': { example?: unknown; schema?: unknown } };
  };
  responses: Record<
    string,
    { content?: { 'application/json': { examples?: Record<string, { value: any }> } } } & {
      'x-reasons'?: string[];
    }
  >;
}

let running: RunningServer;
let operations: { method: string; path: string; operation: Operation }[];

beforeAll(async () => {
  running = await startTestServer();
  const document = (await rawRequest(running.url, 'GET', '/openapi.json')).body;
  // The ledger raffles' operations and the service's own: a prize raffle's verification needs the
  // code its claim answered, which no static example can hold, so those walk in their own tests.
  operations = Object.entries(document.paths as Record<string, Record<string, Operation>>)
    // The audit log streams NDJSON from a journal, which this service (no durability) does not
    // keep: test/e2e/audit.test.ts walks it.
    .filter(
      ([path]) =>
        !path.startsWith('/prize-raffles') &&
        !path.startsWith('/campaigns') &&
        path !== '/audit/log',
    )
    .flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
    );
});

afterAll(async () => {
  await running.close();
});

const exampleOf = (parameter: Parameter) => parameter.example ?? parameter.schema?.example;

/** The request "Try it out" sends for an operation, filled with the document's examples only. */
function exampleRequest(path: string, operation: Operation) {
  let url = path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const parameter of operation.parameters ?? []) {
    const example = exampleOf(parameter);
    if (parameter.in === 'path') {
      expect(example, `${operation.operationId}: example of {${parameter.name}}`).toBeDefined();
      url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(example)));
    } else if (example !== undefined) {
      if (parameter.in === 'query') query.set(parameter.name, String(example));
      else headers[parameter.name] = String(example);
    } else {
      expect(parameter.required ?? false, `${operation.operationId}: ${parameter.name}`).toBe(
        false,
      );
    }
  }
  const media = operation.requestBody?.content['application/json'];
  let body: string | undefined;
  if (media !== undefined) {
    if (operation.requestBody?.required === true || media.example !== undefined) {
      expect(media.example, `${operation.operationId}: body example`).toBeDefined();
      body = JSON.stringify(media.example);
      headers['content-type'] = 'application/json';
    }
  }
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return { url: `/api${url}${search}`, headers, body };
}

function successStatusOf(operation: Operation): number {
  const successes = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
  expect(successes, operation.operationId).toHaveLength(1);
  return Number(successes[0]);
}

async function tryAll(): Promise<{ id: string; status: number; body: unknown }[]> {
  const results = [];
  for (const { method, path, operation } of operations) {
    const { url, headers, body } = exampleRequest(path, operation);
    const reply = await rawRequest(running.url, method.toUpperCase(), url, {
      headers,
      ...(body === undefined ? {} : { body }),
    });
    expect(reply.status, `${method.toUpperCase()} ${url}: ${reply.text}`).toBe(
      successStatusOf(operation),
    );
    results.push({ id: operation.operationId, status: reply.status, body: reply.body });
  }
  return results;
}

describe('OpenAPI examples', () => {
  it('every operation, tried in document order with its examples on a fresh service, succeeds', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(12);
    const first = await tryAll();
    const keyed = new Set(
      operations
        .filter(({ operation }) =>
          (operation.parameters ?? []).some((p) => p.name === 'Idempotency-Key'),
        )
        .map(({ operation }) => operation.operationId),
    );
    expect(keyed.size).toBe(6);
    const keys = operations.flatMap(({ operation }) =>
      (operation.parameters ?? []).filter((p) => p.name === 'Idempotency-Key').map(exampleOf),
    );
    expect(new Set(keys).size).toBe(keys.length);

    // Pressing Execute again: keyed examples replay their first answer, so nothing moves.
    const figures = await rawRequest(running.url, 'GET', '/api/raffles');
    const second = await tryAll();
    expect((await rawRequest(running.url, 'GET', '/api/raffles')).body).toEqual(figures.body);
    for (const [i, again] of second.entries()) {
      if (keyed.has(again.id)) expect(again, again.id).toEqual(first[i]);
    }
  });

  it('the draw body is optional and the examples hold no shared requestId', () => {
    const draw = operations.find(({ operation }) => operation.operationId === 'draws-create');
    expect(draw?.operation.requestBody?.required).toBe(false);
    const text = JSON.stringify(operations);
    expect(text).not.toContain('3f0c1c9e');
    for (const { operation } of operations) {
      const example = operation.requestBody?.content['application/json'].example;
      expect(JSON.stringify(example ?? {}), operation.operationId).not.toContain('requestId');
    }
  });

  it("each error response shows an example of each of the operation's own reasons, and only those", () => {
    const shown = new Map<string, string[]>();
    for (const { operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status.startsWith('2')) continue;
        const reasons = response['x-reasons'] ?? [];
        const examples = response.content?.['application/json'].examples ?? {};
        expect(Object.keys(examples).sort(), `${operation.operationId} ${status}`).toEqual(
          [...reasons].sort(),
        );
        for (const [reason, { value }] of Object.entries(examples)) {
          expect(isReason(reason)).toBe(true);
          expect(value.reason).toBe(reason);
          expect(httpStatusOf(value.reason), `${operation.operationId} ${reason}`).toBe(
            Number(status),
          );
          expect(typeof value.message).toBe('string');
        }
        shown.set(operation.operationId, [...(shown.get(operation.operationId) ?? []), ...reasons]);
      }
    }
    // Operations that differ in what they can refuse show different examples.
    expect(shown.get('draws-create')).toContain('raffle_empty');
    expect(shown.get('draws-create')).not.toContain('insufficient_tickets');
    expect(shown.get('raffles-list')).not.toContain('raffle_not_found');
    expect(shown.get('transfers-create')).toContain('insufficient_tickets');
  });
});
