/**
 * The mixed scenario: every operation at once, in the proportions the service expects (see
 * `load/k6/workload.js`), each from its own autocannon instance so that each gets its own
 * throughput and latency. Connections are split by the mix, at least one per operation; as every
 * connection waits for its answer before sending again, the request shares follow the mix only
 * as far as the operations cost the same.
 *
 * Accounting: the runner adds up the tickets of every issue answered 200 and the draws answered
 * 201 on a raffle of its own, so afterwards `issued − drawn` must equal the raffle's total
 * (transfers move tickets, they never make or destroy any).
 *
 * With `bare`, the same requests at the same pace go to the bare node:http server
 * (`bare-http-server.mjs`), which answers each one 200 at once: the latency floor of this runner
 * on this machine, to read the service's figures against.
 */
import { drive, type PlannedCall } from './drive.js';
import { drivePaced } from './paced-drive.js';
import {
  createRaffle,
  fsyncWaitsBetween,
  operationFailures,
  operationReport,
  readFsyncHistogram,
} from './common.js';
import { checkRaffleInvariants } from './invariants.js';
import type { OperationReport, RunReport } from './report.js';
import { answerOf, httpCallFor, type Surface } from './surfaces.js';
import { Tally } from './tally.js';
import {
  expectedRefusals,
  issueCountMax,
  listPageLimit,
  operationMix,
  randomInt,
  randomPair,
  randomUsername,
  successStatus,
  transferCountMax,
  type OperationName,
} from '../k6/workload.js';

export interface MixedOptions {
  baseUrl: string;
  surface: Surface;
  durationS: number;
  connections: number;
  /**
   * Requests per second over all operations, shared by the mix and evenly spaced
   * (`paced-drive.ts`); a closed loop as fast as the answers come when absent.
   */
  ratePerS?: number | undefined;
  /**
   * The target is the bare node:http server: no raffle is made, every answer must be a 200, and
   * there is nothing to account for or check afterwards.
   */
  bare?: boolean | undefined;
}

/** Connections per operation: the mix's share of the total, at least one each. */
export function splitConnections(total: number): Record<OperationName, number> {
  const split = {} as Record<OperationName, number>;
  for (const [operation, share] of Object.entries(operationMix) as [OperationName, number][]) {
    split[operation] = Math.max(1, Math.round((total * share) / 100));
  }
  return split;
}

function inputFor(
  operation: OperationName,
  raffleId: string,
): Record<string, unknown> & { count?: number } {
  switch (operation) {
    case 'issue':
      return { raffleId, username: randomUsername(), count: randomInt(1, issueCountMax) };
    case 'transfer':
      return { raffleId, ...randomPair(), count: randomInt(1, transferCountMax) };
    case 'listParticipants':
      return { raffleId, limit: listPageLimit };
    case 'getParticipant':
      return { raffleId, username: randomUsername() };
    case 'draw':
    case 'getRaffle':
      return { raffleId };
  }
}

export async function runMixed(options: MixedOptions): Promise<RunReport> {
  const startedAt = new Date().toISOString();
  const bare = options.bare === true;
  const raffleId = bare
    ? 'bare'
    : await createRaffle(options.baseUrl, `load mixed ${options.surface} ${startedAt}`);
  const accounting = { ticketsIssued: 0, drawsSucceeded: 0, exact: true };
  const split = splitConnections(options.connections);
  const fsyncsBefore = bare ? undefined : await readFsyncHistogram(options.baseUrl);

  const runs = (Object.keys(operationMix) as OperationName[]).map(async (operation) => {
    const tally = bare
      ? new Tally(200, [])
      : new Tally(successStatus[operation], expectedRefusals[operation]);
    const stream = {
      url: options.baseUrl,
      connections: split[operation],
      durationS: options.durationS,
      next: (): PlannedCall => {
        const input = inputFor(operation, raffleId);
        return {
          ...httpCallFor(options.surface, operation, input),
          onAnswer: (status, body) => {
            const verdict = tally.classify(answerOf(options.surface, status, body));
            if (verdict !== 'ok' || bare) return;
            if (operation === 'issue') accounting.ticketsIssued += input.count ?? 0;
            if (operation === 'draw') accounting.drawsSucceeded += 1;
          },
        };
      },
    };
    const result =
      options.ratePerS === undefined
        ? await drive(stream)
        : await drivePaced({
            ...stream,
            ratePerS: Math.max(1, (options.ratePerS * operationMix[operation]) / 100),
          });
    return operationReport(operation, result, tally);
  });
  const operations: OperationReport[] = await Promise.all(runs);
  const fsyncWaits = bare
    ? undefined
    : fsyncWaitsBetween(fsyncsBefore, await readFsyncHistogram(options.baseUrl));

  accounting.exact = operations.every((op) => op.unanswered === 0);
  const invariants = bare
    ? undefined
    : await checkRaffleInvariants({
        baseUrl: options.baseUrl,
        raffleId,
        expected: accounting.exact
          ? {
              totalTickets: accounting.ticketsIssued - accounting.drawsSucceeded,
              drawCount: accounting.drawsSucceeded,
            }
          : {},
      });
  const failures = operationFailures(operations);
  if (invariants?.ok === false) failures.push(`invariants: ${invariants.problems.length} problems`);
  return {
    scenario: 'mixed',
    surface: options.surface,
    baseUrl: options.baseUrl,
    raffleId,
    durationS: options.durationS,
    ...(options.ratePerS === undefined ? {} : { ratePerS: options.ratePerS }),
    connections: Object.values(split).reduce((a, b) => a + b, 0),
    startedAt,
    operations,
    accounting,
    ...(fsyncWaits === undefined ? {} : { fsyncWaits }),
    ...(invariants === undefined ? {} : { invariants }),
    ...(bare ? { target: 'bare node:http' as const } : {}),
    failures,
  };
}
