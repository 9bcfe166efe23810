/**
 * The contract test (issue 17): clients generated from the served `/openapi.json`, a typed
 * scenario over every operation, and every answer checked against the document.
 *
 * Once for the file: the document is fetched from a real server, openapi-typescript and
 * @hey-api/openapi-ts generate from it into `generated/` (ignored by git), and one `tsc --strict`
 * run type-checks the scenario (`scenario.ts`, written against openapi-typescript's types and
 * called through openapi-fetch) and @hey-api's whole generated client. The scenario then runs
 * against the server; a middleware records every answer, and each must have a status the document
 * declares for its operation and a body its schema for that status accepts (ajv, JSON Schema
 * 2020-12 as OpenAPI 3.1 uses). Last, every reason each operation documents must have been seen,
 * but for those no single request provokes at will (listed in `notProvoked`, each tested in its
 * own file).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient as heyApi } from '@hey-api/openapi-ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Middleware } from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyReasons, keyedReasons, queueReasons } from '../../src/api/operation-reasons.js';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer } from '../support/server.js';

const here = new URL('.', import.meta.url).pathname;
const generated = join(here, 'generated');
const limits = { rafflesMax: 6, participantsPerRaffleMax: 4 };

/**
 * Reasons the scenario does not provoke: the body-reading ones are the same for every POST and
 * tested in `test/e2e/request-body.test.ts` (a generated client always sends good JSON); the
 * queue, log and storage ones need a failing or stopping service (`test/e2e/group-commit.test.ts`,
 * `test/server/shutdown.test.ts`, `test/replication/`); an oversized kept answer needs a tiny
 * `IDEMPOTENCY_ANSWER_BYTES_MAX` (`test/e2e/idempotency.test.ts`); routing reasons are no
 * operation's (`test/e2e/methods.test.ts`); internal errors are bugs.
 */
const notProvoked = new Set<string>([
  ...bodyReasons,
  ...queueReasons,
  ...keyedReasons.filter((reason) => reason !== 'idempotency_key_reused'),
  'route_not_found',
  'method_not_supported',
  'internal_error',
]);

interface Seen {
  method: string;
  schemaPath: string;
  status: number;
  body: unknown;
}

let running: RunningServer;
let document: any;

beforeAll(async () => {
  running = await startTestServer({ countMax: Number.MAX_SAFE_INTEGER, ...limits });
  document = await (await fetch(`${running.url}/openapi.json`)).json();
  rmSync(generated, { recursive: true, force: true });
  mkdirSync(generated, { recursive: true });
  const documentFile = join(generated, 'openapi.json');
  writeFileSync(documentFile, JSON.stringify(document));
  writeFileSync(join(generated, 'openapi-types.ts'), astToString(await openapiTS(document)));
  await heyApi({
    input: documentFile,
    output: { path: join(generated, 'hey-api') },
    plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
    logs: { level: 'silent' },
  });
}, 120_000);

afterAll(async () => {
  await running?.close();
});

describe('generated clients', () => {
  it('the scenario and the second generator’s client type-check with tsc --strict', () => {
    const tsc = join(here, '..', '..', 'node_modules', '.bin', 'tsc');
    try {
      execFileSync(tsc, ['-p', join(here, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      throw new Error(`tsc --strict failed:\n${(error as { stdout?: string }).stdout ?? ''}`);
    }
  }, 120_000);

  it('every operation and every documented reason, each answer as the document says', async () => {
    const seen: Seen[] = [];
    const observe: Middleware = {
      async onResponse({ request, response, schemaPath }) {
        const text = await response.clone().text();
        seen.push({
          method: request.method.toLowerCase(),
          schemaPath,
          status: response.status,
          body: text === '' ? undefined : JSON.parse(text),
        });
        return undefined;
      },
    };
    const { runScenario } = await import('./scenario.js');
    await runScenario(running.url, observe, limits);

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(document, 'openapi');
    const pointer = (...parts: string[]) =>
      parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
    const observed = new Set<string>();
    const succeeded = new Set<string>();
    for (const answer of seen) {
      const operation = document.paths[answer.schemaPath]?.[answer.method];
      const where = `${answer.method.toUpperCase()} ${answer.schemaPath} ${answer.status}`;
      expect(operation, where).toBeDefined();
      expect(Object.keys(operation.responses), `${where}: status not declared`).toContain(
        String(answer.status),
      );
      const media = operation.responses[String(answer.status)].content?.['application/json'];
      expect(media, `${where}: no JSON body declared`).toBeDefined();
      const validate = ajv.getSchema(
        `openapi#/${pointer('paths', answer.schemaPath, answer.method, 'responses', String(answer.status), 'content', 'application/json', 'schema')}`,
      );
      expect(validate, where).toBeDefined();
      const valid = validate?.(answer.body);
      expect(
        valid,
        `${where}: ${ajv.errorsText(validate?.errors)} in ${JSON.stringify(answer.body)}`,
      ).toBe(true);
      const reason = (answer.body as { reason?: string } | undefined)?.reason;
      if (answer.status >= 400 && reason !== undefined)
        observed.add(`${operation.operationId} ${reason}`);
      if (answer.status < 300) succeeded.add(operation.operationId);
    }

    const operations = Object.values(document.paths).flatMap((item: any) =>
      Object.values(item),
    ) as any[];
    const documented = operations.flatMap((operation) =>
      Object.values(operation.responses as Record<string, any>)
        .flatMap((response) => (response['x-reasons'] ?? []) as string[])
        .filter((reason) => !notProvoked.has(reason))
        .map((reason) => `${operation.operationId} ${reason}`),
    );
    expect(operations.length).toBeGreaterThanOrEqual(25);
    expect([...succeeded].sort()).toEqual(operations.map((o) => o.operationId).sort());
    expect(documented.filter((pair) => !observed.has(pair))).toEqual([]);
  }, 60_000);
});
