/**
 * Pieces shared by the load scenarios: a fresh raffle per run, reports per operation and the
 * list of reasons a run failed.
 */
import type { DriveResult } from './drive.js';
import type { OperationReport } from './report.js';
import type { Tally } from './tally.js';

/** Creates the raffle a run works on (`POST /api/raffles`), so that runs never share state. */
export async function createRaffle(baseUrl: string, name: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/raffles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const body = (await response.json()) as { id?: unknown };
  if (response.status !== 201 || typeof body.id !== 'string') {
    throw new Error(
      `could not create a raffle at ${baseUrl}: ${response.status} ${JSON.stringify(body)}`,
    );
  }
  return body.id;
}

export function operationReport(
  operation: string,
  result: DriveResult,
  tally: Tally,
): OperationReport {
  return {
    operation,
    ...result,
    ok: tally.ok,
    refused: tally.refused,
    unexpected: tally.unexpected,
    serverErrors: tally.serverErrors,
  };
}

/** Why the operations of a run make it fail: no answers, 5xx, unexpected refusals, lost requests. */
export function operationFailures(operations: readonly OperationReport[]): string[] {
  const failures: string[] = [];
  for (const op of operations) {
    if (op.answered === 0) failures.push(`${op.operation}: no answer at all`);
    for (const [key, n] of Object.entries(op.serverErrors))
      failures.push(`${op.operation}: ${n} × ${key}`);
    for (const [key, n] of Object.entries(op.unexpected)) {
      failures.push(`${op.operation}: ${n} × unexpected ${key}`);
    }
    for (const [key, n] of Object.entries(op.items?.unexpected ?? {})) {
      failures.push(`${op.operation}: ${n} items refused with unexpected ${key}`);
    }
    if (op.unanswered > 0)
      failures.push(`${op.operation}: ${op.unanswered} requests never answered`);
    if (op.transportErrors > 0 || op.timeouts > 0) {
      failures.push(
        `${op.operation}: ${op.transportErrors} connection errors, ${op.timeouts} timeouts`,
      );
    }
  }
  return failures;
}

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** `KEY=VALUE` arguments (`--server-env`, `--env`) as an environment; throws on a pair without `=`. */
export function environmentOf(pairs: readonly string[], option: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`${option} must be KEY=VALUE: ${pair}`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}
