/**
 * The OpenAPI document of the REST API, generated from the router by trpc-to-openapi.
 *
 * trpc-to-openapi documents the inputs and outputs; the error side is written here, from one table
 * of the reasons each operation can answer, so the document lists every reason code with its
 * status and sentence, and each error response shows an example of each of its own reasons.
 * Corrections follow what the server really does: creations answer 201 (set through
 * `responseMeta`), a body whose fields are all optional is not required, and only operator
 * operations (built on `operatorProcedure`) need credentials, so the generator's default
 * security requirement is replaced by the operator schemes of `src/api/operator-security.ts` on
 * those operations and removed from the others.
 *
 * The example requests are written as one walk through the API: tried in the order the document
 * lists them, on a fresh service, each one succeeds (a test runs them so). Each keyed operation
 * has its own idempotency key, so trying it again replays its first answer instead of colliding
 * with another operation's key.
 */
import { generateOpenApiDocument } from 'trpc-to-openapi';
import type { OpenAPIObject } from 'trpc-to-openapi';
import { reasonCatalogue, reasons, type Reason } from '../domain/reasons.js';
import type { AnyRouter } from '@trpc/server';
import { httpStatusOf, trpcCodeByReason } from './errors.js';
import { createdProcedurePaths } from './locations.js';
import { operationFacts, reasonsOf, type OperationFacts } from './operation-reasons.js';
import {
  operatorOperationIds,
  operatorSecurity,
  operatorSecuritySchemes,
} from './operator-security.js';

/** Re-exported: the creations are the procedures with a `Location` (`locations.ts`). */
export { createdProcedurePaths };

/**
 * The example request body of each operation that takes one, by operationId. Together with the
 * path examples (the default raffle, participant `alice`) they make one walk: create another
 * raffle, issue to alice, bulk-issue to carol and dan, transfer from alice to bob, bulk-transfer,
 * draw, then read. Bodies carry no `requestId`: the `Idempotency-Key` example does that job.
 */
const bodyExamples: Record<string, Record<string, unknown>> = {
  'raffles-create': { id: 'spring', name: 'Spring raffle' },
  'tickets-issue': { username: 'alice', count: 10 },
  'tickets-issueBulk': {
    items: [
      { username: 'carol', count: 3 },
      { username: 'dan', count: 1 },
    ],
  },
  'transfers-create': { from: 'alice', to: 'bob', count: 3 },
  'transfers-createBulk': {
    items: [
      { from: 'carol', to: 'dan', count: 1 },
      { from: 'alice', to: 'carol', count: 2 },
    ],
  },
  'draws-create': {},
  'system-noop': { username: 'alice', count: 1 },
};

/** Examples of the path parameters (the raffle id is the configured default raffle). */
const pathExamples: Record<string, string> = { username: 'alice' };

const idempotencyKeyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'A retry with the same key and the same request gets the first answer (success or refusal) without being applied again, also after a restart; the same key with another request is refused with 422 `idempotency_key_reused`. Keys are kept for `IDEMPOTENCY_TTL_MS` and at most `IDEMPOTENCY_KEYS_MAX` of them. Equivalent to the `requestId` body field.',
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
} as const;

/** The shape of one validation problem (a zod issue) in an `invalid_input` body. */
const issueSchema = {
  type: 'object',
  description: 'One validation problem, as zod reports it; other fields depend on `code`.',
  required: ['code', 'path', 'message'],
  properties: {
    code: { type: 'string', description: 'zod issue code.', example: 'too_small' },
    path: {
      type: 'array',
      description: 'Where in the input: field names and array indexes.',
      items: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      example: ['count'],
    },
    message: { type: 'string', description: 'A sentence for people.' },
  },
} as const;

const errorSchema = {
  type: 'object',
  description:
    'Every error body. Switch on `reason`: it is stable. `code` is the tRPC code behind the status.',
  required: ['message', 'code', 'reason'],
  properties: {
    reason: { type: 'string', enum: reasons, description: 'Stable machine-readable reason.' },
    message: { type: 'string', description: 'A sentence for people; may change.' },
    code: { type: 'string', description: 'tRPC error code.', example: 'CONFLICT' },
    issues: {
      type: 'array',
      description: 'For `invalid_input` from validation: each problem.',
      items: { $ref: '#/components/schemas/ValidationIssue' },
    },
    data: {
      type: 'object',
      description: 'The same facts as the tRPC error `data`.',
      required: ['code', 'httpStatus', 'reason'],
      properties: {
        code: { type: 'string', description: 'tRPC error code.', example: 'CONFLICT' },
        httpStatus: { type: 'integer', description: 'The HTTP status.', example: 409 },
        path: { type: 'string', description: 'The procedure, when one was reached.' },
        reason: { type: 'string', enum: reasons, description: 'The same as the top `reason`.' },
      },
    },
  },
} as const;

/** Tags, in the order the document shows them. */
const tagDescriptions: Record<string, string> = {
  raffles:
    'Ledger raffles: tickets issued and transferred by callers, winners drawn one at a time.',
  tickets: 'Issuing tickets to participants of a ledger raffle.',
  transfers: 'Moving tickets between participants of a ledger raffle.',
  draws: 'Drawing winners of a ledger raffle and reading its draw history.',
  participants: 'Who holds tickets in a ledger raffle.',
  'prize raffles':
    'Numbered tickets claimed one per client address; prizes drawn once sold out; tickets verified.',
  campaigns: 'Instant-win campaigns: one draw per phone per day, prizes with quotas, coupons.',
  system: 'Diagnostics.',
};

/** Headers every answer carries, and the `Location` of a creation. */
const responseHeaders = {
  RequestId: {
    description:
      'The request id: the caller’s `X-Request-Id` when it is 1–128 characters of `A-Za-z0-9._:-`, otherwise one the service made. Every log line of the request carries it.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  Location: {
    description: 'The path of what was created, under `/api`.',
    schema: { type: 'string' },
  },
  IdempotentReplayed: {
    description:
      '`true` when this is the first answer of an earlier request with the same `Idempotency-Key`, given again without applying anything; absent otherwise.',
    schema: { type: 'string', const: 'true' },
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', minimum: 0 },
  },
} as const;

function reasonTable(): string {
  const rows = reasons.map(
    (reason) => `| \`${reason}\` | ${httpStatusOf(reason)} | ${reasonCatalogue[reason]} |`,
  );
  return ['| reason | status | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

type Parameter = {
  name: string;
  in: string;
  example?: unknown;
  schema?: { example?: unknown; [key: string]: unknown };
};

type Operation = {
  operationId?: string;
  parameters?: Parameter[];
  security?: unknown;
  requestBody?: {
    required?: boolean;
    content?: Record<string, { schema?: { required?: string[] }; example?: unknown }>;
  };
  responses?: Record<string, unknown>;
};

export interface OpenApiOptions {
  version: string;
  countMax: number;
  bodyBytesMax: number;
  /** The raffle that exists from the start: the examples use it. @default 'main' */
  defaultRaffleId?: string | undefined;
}

/** The facts of each operation by operationId, named as trpc-to-openapi names them. */
function factsByOperationId(router: AnyRouter): Map<string, OperationFacts> {
  const procedures = router._def.procedures as Record<
    string,
    { _def: { meta?: { openapi?: { operationId?: unknown } } } }
  >;
  const byId = new Map<string, OperationFacts>();
  for (const [path, facts] of operationFacts(router)) {
    const operationId = procedures[path]?._def.meta?.openapi?.operationId;
    byId.set(typeof operationId === 'string' ? operationId : path.replace(/\./g, '-'), facts);
  }
  return byId;
}

/** Every reason each REST operation can answer, by operationId: what the document lists. */
export function reasonsByOperation(router: AnyRouter): Record<string, Reason[]> {
  return Object.fromEntries(
    [...factsByOperationId(router)].map(([id, facts]) => [id, reasonsOf(facts)]),
  );
}

export function createOpenApiDocument(router: AnyRouter, options: OpenApiOptions): OpenAPIObject {
  const document = generateOpenApiDocument(router, {
    title: 'Raffle service',
    version: options.version,
    baseUrl: '/api',
    description: [
      'Issue tickets, transfer them, draw winners (every ticket equally likely, the drawn ticket is removed) and list participants.',
      'Prize raffles (`/prize-raffles`): numbered tickets 1..N claimed one per client address in a random order, prizes drawn once sold out, tickets verified with the code shown once at claim time.',
      'Campaigns (`/campaigns`): instant-win draws, one per phone number per day, prizes with total and daily quotas, coupons redeemed by operators.',
      'The same operations are tRPC procedures under `/trpc` (superjson); the typed client wraps them.',
      `Counts are whole numbers from 1 to ${options.countMax}; request bodies are at most ${options.bodyBytesMax} bytes.`,
      'Operator operations (with a security requirement) need a client address in `MANAGER_IPS` or `Authorization: Bearer <MANAGER_TOKEN>`; anyone else gets 403 `manager_only`.',
      'Browsers on other origins are answered when their origin is listed in `CORS_ORIGINS`.',
      '',
      'Every error answers a JSON body with a stable `reason`:',
      '',
      reasonTable(),
    ].join('\n'),
  });
  // The package is private (`package.json`): no public licence, and the contact is whoever runs
  // this instance of the service.
  document.info.contact = { name: 'The operators of this raffle service' };
  document.info.license = { name: 'UNLICENSED (private package, no licence granted)' };
  document.tags = Object.entries(tagDescriptions).map(([name, description]) => ({
    name,
    description,
  }));
  const components = (document.components ??= {});
  components.securitySchemes = operatorSecuritySchemes;
  components.headers = responseHeaders;
  const operators = operatorOperationIds(router);
  const facts = factsByOperationId(router);
  const schemas = components.schemas ?? {};
  for (const name of Object.keys(schemas)) {
    if (name.startsWith('error.')) delete schemas[name];
  }
  schemas.Error = errorSchema as never;
  schemas.ValidationIssue = issueSchema as never;
  components.schemas = schemas;

  for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
    for (const operation of Object.values(pathItem as Record<string, Operation>)) {
      const id = operation.operationId ?? '';
      const operationFacts = facts.get(id);
      if (operationFacts === undefined) {
        throw new Error(`openapi: operation '${id}' declares no reasons (meta.refuses)`);
      }
      decorateOperation(operation, path, operationFacts, operators.has(id));
      addRequestExamples(operation, options.defaultRaffleId ?? 'main');
    }
  }
  return document;
}

/** Example values for the path parameters, the idempotency key and the body of an operation. */
function addRequestExamples(operation: Operation, defaultRaffleId: string): void {
  const id = operation.operationId ?? '';
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'path') {
      const example =
        parameter.name === 'raffleId' ? defaultRaffleId : pathExamples[parameter.name];
      if (example !== undefined) parameter.example = example;
    } else if (parameter.name === idempotencyKeyHeader.name) {
      parameter.example = `try-${id}-1`;
    } else {
      // Query parameters (page size, cursor) are left empty: the defaults apply, and a cursor
      // only makes sense as a previous page's `nextCursor`.
      delete parameter.schema?.example;
    }
  }
  const body = operation.requestBody;
  const media = body?.content?.['application/json'];
  if (body === undefined || media === undefined) return;
  // Operations without a written example keep the generated one; a test runs every example of
  // the service's own document, so none of its operations is left without one.
  const example = bodyExamples[id];
  if (example !== undefined) media.example = example;
  // A body whose fields are all optional (a draw's) may be left out altogether.
  body.required = (media.schema?.required?.length ?? 0) > 0;
}

const headerRef = (name: keyof typeof responseHeaders) => ({
  $ref: `#/components/headers/${name}`,
});

function decorateOperation(
  operation: Operation,
  path: string,
  facts: OperationFacts,
  operator: boolean,
): void {
  const id = operation.operationId ?? '';
  // Public operations say so (an empty requirement) rather than leaving security unstated.
  operation.security = operator ? operatorSecurity : [];
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (status.startsWith('2')) {
      responses[status] = {
        ...(response as object),
        headers: { 'X-Request-Id': headerRef('RequestId') },
      };
    }
  }
  const procedurePath = id.replace('-', '.');
  if (createdProcedurePaths.has(procedurePath) && responses['200'] !== undefined) {
    responses['201'] = {
      ...(responses['200'] as object),
      description: `Created; \`Location\` names it (\`/api${path}/…\`).`,
      headers: { 'X-Request-Id': headerRef('RequestId'), Location: headerRef('Location') },
    };
    delete responses['200'];
  }
  if (facts.keyed) {
    // A copy per operation: each gets its own example key.
    const header = { ...idempotencyKeyHeader, schema: { ...idempotencyKeyHeader.schema } };
    operation.parameters = [...(operation.parameters ?? []), header];
  }
  const byStatus = new Map<number, Reason[]>();
  for (const reason of reasonsOf(facts)) {
    const status = httpStatusOf(reason);
    byStatus.set(status, [...(byStatus.get(status) ?? []), reason]);
  }
  for (const [status, list] of [...byStatus.entries()].sort((a, b) => a[0] - b[0])) {
    responses[String(status)] = {
      description: list.map((reason) => `\`${reason}\`: ${reasonCatalogue[reason]}`).join(' '),
      headers: {
        'X-Request-Id': headerRef('RequestId'),
        ...(status === 503 ? { 'Retry-After': headerRef('RetryAfter') } : {}),
      },
      content: {
        'application/json': {
          // The body is an Error whose reason is one of this status's own.
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Error' },
              { type: 'object', properties: { reason: { type: 'string', enum: list } } },
            ],
          },
          examples: Object.fromEntries(
            list.map((reason) => [
              reason,
              {
                summary: reason,
                value: { reason, message: reasonCatalogue[reason], code: trpcCodeByReason[reason] },
              },
            ]),
          ),
        },
      },
      'x-reasons': list,
    };
  }
  if (facts.keyed) {
    for (const response of Object.values(responses) as { headers?: Record<string, unknown> }[]) {
      response.headers = {
        ...response.headers,
        'Idempotent-Replayed': headerRef('IdempotentReplayed'),
      };
    }
  }
  operation.responses = responses;
}
