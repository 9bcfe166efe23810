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
import { auditPageLimitDefault, auditPageLimitMax } from '../config/limits.js';
import { reasonCatalogue, reasons, type Reason } from '../domain/reasons.js';
import { httpStatusOf, trpcCodeByReason } from './errors.js';
import {
  operatorOperationIds,
  operatorSecurity,
  operatorSecuritySchemes,
} from './operator-security.js';
import type { AppRouter } from './routers/_app.js';

/** Procedures whose success answers 201 Created instead of 200. */
export const createdProcedurePaths: ReadonlySet<string> = new Set([
  'raffles.create',
  'draws.create',
  'campaigns.create',
  'campaigns.draw',
  'prizeRaffles.create',
  'prizeRaffles.claim',
  'prizeRaffles.draw',
]);

/** Reasons any operation may answer, whatever it does. */
const commonReasons: Reason[] = [
  'invalid_input',
  'route_not_found',
  'method_not_supported',
  'internal_error',
];
/** Reasons of every operation that reads a JSON body. */
const bodyReasons: Reason[] = [
  'malformed_json',
  'json_too_deep',
  'invalid_utf8',
  'invalid_content_encoding',
  'unsupported_media_type',
  'unsupported_content_encoding',
  'payload_too_large',
];
/** Reasons of every operation that goes through the command queue. */
const queueReasons: Reason[] = ['queue_full', 'shutting_down', 'storage_failed'];
/** Reasons of every mutation: with a shared log (`COMMAND_LOG=etcd`), writes need its majority. */
const logReasons: Reason[] = ['log_unavailable'];

/** What each REST operation (by operationId) can be refused with, besides the common reasons. */
export const reasonsByOperation: Record<string, Reason[]> = {
  'raffles-create': [...bodyReasons, 'raffle_id_taken', 'raffle_limit_reached'],
  'raffles-list': [],
  'raffles-get': ['raffle_not_found'],
  'tickets-issue': [
    ...bodyReasons,
    'raffle_not_found',
    'ticket_total_overflow',
    'participant_limit_reached',
  ],
  'transfers-create': [
    ...bodyReasons,
    'transfer_to_self',
    'raffle_not_found',
    'participant_not_found',
    'insufficient_tickets',
    'participant_limit_reached',
  ],
  'tickets-issueBulk': [...bodyReasons, 'raffle_not_found'],
  'transfers-createBulk': [...bodyReasons, 'raffle_not_found'],
  'draws-create': [...bodyReasons, 'raffle_not_found', 'raffle_empty'],
  'draws-list': ['raffle_not_found', 'invalid_cursor'],
  'participants-list': ['raffle_not_found', 'invalid_cursor'],
  'participants-get': ['raffle_not_found', 'participant_not_found'],
  'system-noop': [...bodyReasons],
  'campaigns-create': [
    ...bodyReasons,
    'probabilities_exceed_one',
    'campaign_id_taken',
    'raffle_limit_reached',
  ],
  'campaigns-list': ['invalid_cursor'],
  'campaigns-get': ['campaign_not_found'],
  'campaigns-draw': [
    ...bodyReasons,
    'invalid_phone',
    'campaign_not_found',
    'campaign_not_active',
    'already_drawn_today',
    'participant_limit_reached',
  ],
  'campaigns-phoneDraws': ['invalid_phone', 'campaign_not_found'],
  'campaigns-redeem': [
    ...bodyReasons,
    'campaign_not_found',
    'coupon_not_found',
    'coupon_already_redeemed',
  ],
  'prizeRaffles-create': [
    ...bodyReasons,
    'too_many_prizes',
    'raffle_id_taken',
    'raffle_limit_reached',
  ],
  'prizeRaffles-list': ['invalid_cursor'],
  'prizeRaffles-get': ['raffle_not_found'],
  'prizeRaffles-claim': [
    ...bodyReasons,
    'client_address_unknown',
    'raffle_not_found',
    'already_participated',
    'sold_out',
  ],
  'prizeRaffles-draw': [...bodyReasons, 'raffle_not_found', 'tickets_remaining', 'already_drawn'],
  'prizeRaffles-winners': ['raffle_not_found', 'not_drawn'],
  'prizeRaffles-verify': [...bodyReasons, 'raffle_not_found', 'not_drawn', 'verification_failed'],
  'audit-head': [],
  'audit-log': ['invalid_audit_range', 'audit_log_pruned', 'audit_log_unavailable'],
};

/** Mutations that take an idempotency key (`Idempotency-Key` header or `requestId` field). */
export const keyedOperations: ReadonlySet<string> = new Set([
  'raffles-create',
  'tickets-issue',
  'transfers-create',
  'tickets-issueBulk',
  'transfers-createBulk',
  'draws-create',
  'campaigns-create',
  'campaigns-draw',
  'campaigns-redeem',
  'prizeRaffles-create',
  'prizeRaffles-claim',
  'prizeRaffles-draw',
]);

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

/** Operations that never reach the command queue, so never answer `queue_full`. */
const operationsOutsideQueue: ReadonlySet<string> = new Set(['system-noop', 'audit-head']);

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
      description: 'For `invalid_input`: each validation problem (zod issues).',
      items: { type: 'object' },
    },
    data: {
      type: 'object',
      description: 'The same facts as the tRPC error `data`: code, httpStatus, path, reason.',
    },
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

export function createOpenApiDocument(router: AppRouter, options: OpenApiOptions): OpenAPIObject {
  const document = generateOpenApiDocument(router, {
    title: 'Raffle service',
    version: options.version,
    baseUrl: '/api',
    description: [
      'Issue tickets, transfer them, draw winners (every ticket equally likely, the drawn ticket is removed) and list participants.',
      'Prize raffles (`/prize-raffles`): numbered tickets 1..N claimed one per client address in a random order, prizes drawn once sold out, tickets verified with the code shown once at claim time.',
      'The same operations are tRPC procedures under `/trpc` (superjson); the typed client wraps them.',
      `Counts are whole numbers from 1 to ${options.countMax}; request bodies are at most ${options.bodyBytesMax} bytes.`,
      'Operator operations (with a security requirement) need a client address in `MANAGER_IPS` or `Authorization: Bearer <MANAGER_TOKEN>`; anyone else gets 403 `manager_only`.',
      '',
      'Every error answers a JSON body with a stable `reason`:',
      '',
      reasonTable(),
    ].join('\n'),
  });
  (document.components ??= {}).securitySchemes = operatorSecuritySchemes;
  const operators = operatorOperationIds(router);
  const schemas = (document.components ??= {}).schemas ?? {};
  for (const name of Object.keys(schemas)) {
    if (name.startsWith('error.')) delete schemas[name];
  }
  schemas.Error = errorSchema as never;
  document.components.schemas = schemas;

  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(pathItem as Record<string, Operation>)) {
      decorateOperation(operation, operators);
      addRequestExamples(operation, options.defaultRaffleId ?? 'main');
    }
  }
  (document.paths ??= {})['/audit/log'] = auditLogPath() as never;
  return document;
}

/** A reason's response entry for a hand-written operation. */
function reasonResponse(list: Reason[]) {
  return {
    description: list.map((reason) => `\`${reason}\`: ${reasonCatalogue[reason]}`).join(' '),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    'x-reasons': list,
  };
}

/**
 * `GET /audit/log` streams NDJSON, which trpc-to-openapi cannot describe (it serves one JSON value
 * per call), so the route is plain Express (`src/server/audit-log.ts`) and described by hand here.
 */
function auditLogPath() {
  const wholeNumber = (description: string, minimum: number, maximum?: number) => ({
    schema: { type: 'integer', minimum, ...(maximum === undefined ? {} : { maximum }) },
    description,
  });
  return {
    get: {
      operationId: 'audit-log',
      tags: ['audit'],
      summary: 'Audit log (NDJSON)',
      description: [
        'The command log as newline-delimited JSON, replayed from the first command: a header line `{"audit":2,"genesis","from"}`,',
        'one line per command `{"seq","prev","hash","entry":{seq, atMs, seed?, command, outcome?}}` (`hash` = SHA-256 of `prev` and the canonical JSON of `entry`),',
        'and a trailer `{"end":true,"seq","head","digest","more"}`. When `more` is true, the next page starts at `seq + 1`.',
        'Check it offline with `npx raffle-verify export.ndjson`, or `npx raffle-verify --fetch <service URL>` to read every page.',
        'Commands hold no secret: idempotency keys as digests, client addresses and phone numbers as keyed pseudonyms, codes only as keyed hashes or sealed.',
      ].join(' '),
      parameters: [
        {
          name: 'from',
          in: 'query',
          required: false,
          ...wholeNumber('First command of the page (default 1).', 1),
        },
        {
          name: 'limit',
          in: 'query',
          required: false,
          ...wholeNumber(
            `Most commands in the page (default ${auditPageLimitDefault}).`,
            1,
            auditPageLimitMax,
          ),
        },
      ],
      responses: {
        '200': {
          description: 'The page, streamed.',
          content: { 'application/x-ndjson': { schema: { type: 'string' } } },
        },
        '400': reasonResponse(['invalid_audit_range']),
        '409': reasonResponse(['audit_log_pruned', 'audit_log_unavailable']),
        '500': reasonResponse(['internal_error']),
      },
    },
  };
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

function decorateOperation(operation: Operation, operators: ReadonlySet<string>): void {
  const id = operation.operationId ?? '';
  const specific = reasonsByOperation[id];
  if (specific === undefined) throw new Error(`openapi: no reason list for operation '${id}'`);
  delete operation.security;
  const guarded: Reason[] = operators.has(id) ? ['manager_only'] : [];
  if (guarded.length > 0) operation.security = operatorSecurity;
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (status.startsWith('2')) responses[status] = response;
  }
  const procedurePath = id.replace('-', '.');
  if (createdProcedurePaths.has(procedurePath) && responses['200'] !== undefined) {
    responses['201'] = { ...(responses['200'] as object), description: 'Created' };
    delete responses['200'];
  }
  const byStatus = new Map<number, Reason[]>();
  const queued = operationsOutsideQueue.has(id) ? [] : queueReasons;
  const keyed: Reason[] = keyedOperations.has(id)
    ? ['idempotency_key_reused', 'idempotency_answer_too_large', ...logReasons]
    : [];
  if (keyed.length > 0) {
    // A copy per operation: each gets its own example key.
    const header = { ...idempotencyKeyHeader, schema: { ...idempotencyKeyHeader.schema } };
    operation.parameters = [...(operation.parameters ?? []), header];
  }
  for (const reason of [...commonReasons, ...guarded, ...specific, ...keyed, ...queued]) {
    const status = httpStatusOf(reason);
    const list = byStatus.get(status) ?? [];
    if (!list.includes(reason)) list.push(reason);
    byStatus.set(status, list);
  }
  for (const [status, list] of [...byStatus.entries()].sort((a, b) => a[0] - b[0])) {
    responses[String(status)] = {
      description: list.map((reason) => `\`${reason}\`: ${reasonCatalogue[reason]}`).join(' '),
      ...(status === 503
        ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds.' } } }
        : {}),
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/Error' },
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
  operation.responses = responses;
}
