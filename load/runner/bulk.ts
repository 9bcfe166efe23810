/**
 * The bulk scenario: ticket operations sent many to a request, through the bulk endpoints
 * (`POST /api/raffles/{raffleId}/tickets/bulk` and `…/transfers/bulk`, tRPC `tickets.issueBulk`
 * and `transfers.createBulk`), reported as ticket operations (items) per second.
 *
 * Two thirds of the connections issue, one third transfers. Request bodies are made ahead of the
 * run (a ring of them, each with its own items) so that building 1,000-item bodies does not
 * become the load generator's bottleneck. Each answer lists one result per item; the tickets of
 * the issue items that succeeded feed the same accounting as the mixed scenario. If the service
 * has no bulk endpoints yet (404 `route_not_found`), the scenario is skipped with a message.
 */
import { drive, type PlannedCall } from './drive.js';
import { createRaffle, operationFailures, operationReport } from './common.js';
import { checkRaffleInvariants } from './invariants.js';
import type { OperationReport, RunReport } from './report.js';
import { answerOf, httpCallFor, type Surface } from './surfaces.js';
import { ItemTally, Tally } from './tally.js';
import {
  expectedRefusals,
  issueCountMax,
  randomInt,
  randomPair,
  randomUsername,
  transferCountMax,
} from '../k6/workload.js';

export interface BulkOptions {
  baseUrl: string;
  surface: Surface;
  durationS: number;
  connections: number;
  /** @default 1000 */
  itemsPerRequest?: number;
}

interface PreparedBody {
  call: PlannedCall;
  counts: number[];
}

/** Bodies made ahead of the run; requests go round them. */
const ringSize = 64;

function prepare(
  surface: Surface,
  operation: 'issueBulk' | 'transferBulk',
  raffleId: string,
  items: number,
): PreparedBody[] {
  return Array.from({ length: ringSize }, () => {
    const list =
      operation === 'issueBulk'
        ? Array.from({ length: items }, () => ({
            username: randomUsername(),
            count: randomInt(1, issueCountMax),
          }))
        : Array.from({ length: items }, () => ({
            ...randomPair(),
            count: randomInt(1, transferCountMax),
          }));
    return {
      call: httpCallFor(surface, operation, { raffleId, items: list }),
      counts: list.map((item) => item.count),
    };
  });
}

function resultsOf(value: unknown): unknown[] | undefined {
  const results = (value as { results?: unknown } | undefined)?.results;
  return Array.isArray(results) ? results : undefined;
}

export async function runBulk(options: BulkOptions): Promise<RunReport> {
  const startedAt = new Date().toISOString();
  const itemsPerRequest = options.itemsPerRequest ?? 1000;
  const raffleId = await createRaffle(options.baseUrl, `load bulk ${options.surface} ${startedAt}`);
  const accounting = { ticketsIssued: 0, drawsSucceeded: 0, exact: true };
  const base = {
    scenario: 'bulk' as const,
    surface: options.surface,
    baseUrl: options.baseUrl,
    raffleId,
    durationS: options.durationS,
    connections: options.connections,
    startedAt,
    accounting,
  };

  // One item first: does the endpoint exist? Its ticket counts like any other.
  const probe = httpCallFor(options.surface, 'issueBulk', {
    raffleId,
    items: [{ username: 'u0', count: 1 }],
  });
  const probeResponse = await fetch(`${options.baseUrl}${probe.path}`, {
    method: probe.method,
    headers: { 'content-type': 'application/json' },
    body: probe.body ?? null,
  });
  const probeAnswer = answerOf(options.surface, probeResponse.status, await probeResponse.text());
  if (probeAnswer.status === 404 && probeAnswer.reason === 'route_not_found') {
    return {
      ...base,
      operations: [],
      failures: [],
      skipped: `the service has no bulk endpoint (${probe.method} ${probe.path} answered 404 route_not_found)`,
    };
  }
  const probeResults = resultsOf(probeAnswer.value);
  if (probeAnswer.status !== 200 || probeResults?.length !== 1) {
    throw new Error(
      `bulk probe: unexpected answer ${probeAnswer.status} ${probeAnswer.reason ?? ''}`,
    );
  }
  if ((probeResults[0] as { ok?: unknown }).ok === true) accounting.ticketsIssued += 1;

  const issueConnections = Math.max(1, Math.round((options.connections * 2) / 3));
  const plans: {
    operation: 'issueBulk' | 'transferBulk';
    connections: number;
    refusals: readonly string[];
  }[] = [
    { operation: 'issueBulk', connections: issueConnections, refusals: expectedRefusals.issue },
    {
      operation: 'transferBulk',
      connections: Math.max(1, options.connections - issueConnections),
      refusals: expectedRefusals.transfer,
    },
  ];
  const operations: OperationReport[] = await Promise.all(
    plans.map(async ({ operation, connections, refusals }) => {
      const bodies = prepare(options.surface, operation, raffleId, itemsPerRequest);
      const tally = new Tally(200, []);
      const items = new ItemTally(refusals);
      let turn = 0;
      const result = await drive({
        url: options.baseUrl,
        connections,
        durationS: options.durationS,
        next: () => {
          const prepared = bodies[turn % bodies.length] as PreparedBody;
          turn += 1;
          return {
            ...prepared.call,
            onAnswer: (status, body) => {
              const answer = answerOf(options.surface, status, body);
              if (tally.classify(answer) !== 'ok') return;
              const results = resultsOf(answer.value) ?? [];
              if (results.length !== prepared.counts.length) {
                tally.unexpected[`${results.length} results for ${prepared.counts.length} items`] =
                  1;
              }
              results.forEach((entry, i) => {
                if (items.record(entry) && operation === 'issueBulk') {
                  accounting.ticketsIssued += prepared.counts[i] ?? 0;
                }
              });
            },
          };
        },
      });
      return {
        ...operationReport(operation, result, tally),
        items: {
          perRequest: itemsPerRequest,
          ok: items.ok,
          refused: items.refused,
          unexpected: items.unexpected,
          perS: result.requestsPerS * itemsPerRequest,
        },
      };
    }),
  );

  accounting.exact = operations.every((op) => op.unanswered === 0);
  const invariants = await checkRaffleInvariants({
    baseUrl: options.baseUrl,
    raffleId,
    expected: accounting.exact ? { totalTickets: accounting.ticketsIssued, drawCount: 0 } : {},
  });
  const failures = operationFailures(operations);
  if (!invariants.ok) failures.push(`invariants: ${invariants.problems.length} problems`);
  return { ...base, operations, invariants, failures };
}
