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

/** The journal's fdatasync waits over a run, from the service's fsync histogram. */
export interface FsyncWaits {
  fsyncs: number;
  /** Mean wait, ms. */
  meanMs: number;
  /** Waits longer than each bound (10, 50 and 100 ms). */
  over10ms: number;
  over50ms: number;
  over100ms: number;
}

/** Cumulative counts of `raffle_journal_fsync_seconds` by bucket bound, with `+Inf`, sum and count. */
export function fsyncHistogramOf(metricsText: string): Map<string, number> | undefined {
  const values = new Map<string, number>();
  for (const line of metricsText.split('\n')) {
    const match = /^raffle_journal_fsync_seconds_(bucket\{le="([^"]+)"\}|sum|count) (\S+)$/.exec(
      line,
    );
    if (match !== null) values.set(match[2] ?? (match[1] as string), Number(match[3]));
  }
  return values.has('count') ? values : undefined;
}

/** What happened between two readings of the histogram; undefined when the service has none. */
export function fsyncWaitsBetween(
  before: Map<string, number> | undefined,
  after: Map<string, number> | undefined,
): FsyncWaits | undefined {
  if (before === undefined || after === undefined) return undefined;
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const fsyncs = delta('count');
  const over = (bound: string) => fsyncs - delta(bound);
  return {
    fsyncs,
    meanMs: fsyncs === 0 ? 0 : (delta('sum') * 1000) / fsyncs,
    over10ms: over('0.01'),
    over50ms: over('0.05'),
    over100ms: over('0.1'),
  };
}

/** Reads the service's fsync histogram from `/metrics`; undefined when it has none. */
export async function readFsyncHistogram(
  baseUrl: string,
): Promise<Map<string, number> | undefined> {
  const response = await fetch(`${baseUrl}/metrics`);
  return response.ok ? fsyncHistogramOf(await response.text()) : undefined;
}
