/**
 * Results of a load run as data (for `--json`) and as a table for people.
 */
import type { FsyncWaits } from './common.js';
import type { DriveResult } from './drive.js';
import type { InvariantReport } from './invariants.js';

export interface OperationReport extends DriveResult {
  operation: string;
  ok: number;
  refused: Record<string, number>;
  unexpected: Record<string, number>;
  serverErrors: Record<string, number>;
  /** Bulk only: items (ticket operations) by outcome, and items per second in the window. */
  items?: {
    perRequest: number;
    ok: number;
    refused: Record<string, number>;
    unexpected: Record<string, number>;
    perS: number;
  };
}

export interface RunReport {
  scenario: 'mixed' | 'bulk';
  surface: 'rest' | 'trpc';
  baseUrl: string;
  raffleId: string;
  durationS: number;
  connections: number;
  /** The rate the run was held to (mixed `--rate`), over all operations. */
  ratePerS?: number;
  startedAt: string;
  operations: OperationReport[];
  /** What the runner's own answers say the raffle must hold. */
  accounting: {
    ticketsIssued: number;
    drawsSucceeded: number;
    exact: boolean;
  };
  invariants?: InvariantReport;
  /**
   * The journal's fdatasync waits during the run (from the service's `/metrics`): a write is
   * answered only once its batch is on disk, so slow waits show in the writes' tail and not in
   * the reads'. Absent when the service has no journal.
   */
  fsyncWaits?: FsyncWaits;
  /** Set when the run went to the bare node:http server instead of the service. */
  target?: 'bare node:http';
  /** The same held workload against the bare node:http server, in the same run (`--baseline`). */
  baseline?: HeldBaseline;
  /** Why the run failed; empty when it passed. */
  failures: string[];
  /** Set when the scenario could not run (bulk endpoints missing). */
  skipped?: string;
}

/**
 * The bare node:http server under the held run's workload: at the same rate as the service, and
 * at the same fraction of its own peak (when the service's rate was such a fraction).
 */
export interface HeldBaseline {
  sameRate: RunReport;
  sameFraction?: { fraction: number; peakPerS: number; run: RunReport };
}

const fixed = (value: number, digits = 1): string => value.toFixed(digits);

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? '-' : entries.map(([key, n]) => `${key}: ${n}`).join(', ');
}

/** Left-aligned first column, right-aligned numbers, columns as wide as their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) =>
        i === 0 || i === row.length - 1
          ? cell.padEnd(widths[i] ?? 0)
          : cell.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatRun(report: RunReport): string {
  const lines: string[] = [];
  lines.push(
    `${report.scenario} load over ${report.surface.toUpperCase()} against ` +
      (report.target === undefined
        ? `${report.baseUrl}, raffle ${report.raffleId}: `
        : `the ${report.target} server at ${report.baseUrl}: `) +
      `${report.durationS} s, ${report.connections} connections`,
  );
  if (report.skipped !== undefined) {
    lines.push(`skipped: ${report.skipped}`);
    return lines.join('\n');
  }
  const bulk = report.scenario === 'bulk';
  const header = [
    'operation',
    'conns',
    'requests',
    'req/s',
    ...(bulk ? ['items/s'] : []),
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'statuses (expected refusals; unexpected)',
  ];
  const rows = report.operations.map((op) => {
    const statuses = Object.entries(op.statusCounts)
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ');
    const refusals = bulk && op.items ? counts(op.items.refused) : counts(op.refused);
    const unexpected = { ...op.unexpected, ...op.serverErrors, ...(op.items?.unexpected ?? {}) };
    return [
      op.operation,
      String(op.connections),
      String(op.answered),
      fixed(op.requestsPerS, 0),
      ...(bulk ? [fixed(op.items?.perS ?? 0, 0)] : []),
      fixed(op.latencyMs.p50, 2),
      fixed(op.latencyMs.p95, 2),
      fixed(op.latencyMs.p99, 2),
      fixed(op.latencyMs.max, 1),
      `${statuses || '-'} (${refusals}; ${counts(unexpected)})`,
    ];
  });
  lines.push(formatTable(header, rows));
  lines.push(
    `total: ${fixed(totalPerS(report), 0)} req/s` +
      (report.ratePerS === undefined ? '' : ` (held to ${fixed(report.ratePerS, 0)} req/s)`) +
      `; worst p99 of any operation ${fixed(worstLatency(report, 'p99'), 2)} ms`,
  );
  if (bulk) {
    const items = report.operations.reduce((sum, op) => sum + (op.items?.perS ?? 0), 0);
    lines.push(`ticket operations: ${fixed(items, 0)} items/s`);
  }
  const { accounting, invariants } = report;
  if (report.target === undefined)
    lines.push(
      `accounting: ${accounting.ticketsIssued} tickets issued, ${accounting.drawsSucceeded} draws` +
        (accounting.exact
          ? ' (every request answered: exact)'
          : ' (some requests unanswered: not exact)'),
    );
  const waits = report.fsyncWaits;
  if (waits !== undefined)
    lines.push(
      `journal: ${waits.fsyncs} fsyncs, mean wait ${fixed(waits.meanMs, 2)} ms; waits over ` +
        `10 ms: ${waits.over10ms}, over 50 ms: ${waits.over50ms}, over 100 ms: ${waits.over100ms}`,
    );
  if (invariants !== undefined) {
    lines.push(
      `invariants: ${invariants.ok ? 'ok' : 'FAILED'}: ${invariants.participantsListed} participants, ` +
        `${invariants.ticketsListed} tickets in ${invariants.pages} pages` +
        (invariants.compared.length > 0
          ? `; compared with accounting: ${invariants.compared.join(', ')}`
          : ''),
    );
    for (const problem of invariants.problems) lines.push(`  - ${problem}`);
  }
  lines.push(
    report.failures.length === 0
      ? 'result: passed'
      : `result: FAILED\n  - ${report.failures.join('\n  - ')}`,
  );
  return lines.join('\n');
}

/** A run's requests per second over all its operations. */
export function totalPerS(report: RunReport): number {
  return report.operations.reduce((sum, op) => sum + op.requestsPerS, 0);
}

/** The worst of one latency figure over a run's operations. */
export function worstLatency(report: RunReport, figure: 'p50' | 'p99' | 'max'): number {
  return Math.max(...report.operations.map((op) => op.latencyMs[figure]));
}

/** Total requests per second, then the worst p50, p99 and max of any operation. */
function heldFigures(report: RunReport): string[] {
  return [
    fixed(totalPerS(report), 0),
    fixed(worstLatency(report, 'p50'), 2),
    fixed(worstLatency(report, 'p99'), 2),
    fixed(worstLatency(report, 'max'), 1),
  ];
}

/**
 * The held run beside the bare node:http server under the same workload: the latency this
 * runner can show on this machine at the same rate, and at the same fraction of a peak.
 */
export function formatBaseline(held: RunReport, baseline: HeldBaseline): string {
  const { sameRate, sameFraction } = baseline;
  const rows = [
    ['service', ...heldFigures(held)],
    ["bare server at the service's rate", ...heldFigures(sameRate)],
  ];
  const percent = sameFraction === undefined ? '' : `${fixed(sameFraction.fraction * 100, 0)} %`;
  if (sameFraction !== undefined) {
    rows.push([
      `bare server at ${percent} of its own peak (${fixed(sameFraction.peakPerS, 0)} req/s)`,
      ...heldFigures(sameFraction.run),
    ]);
  }
  const p99 = (run: RunReport) => worstLatency(run, 'p99');
  const ratio = (bare: RunReport) => fixed(p99(held) / Math.max(p99(bare), 1e-3), 2);
  return [
    'beside the bare node:http server (same run, same requests and pacing; it answers each at once):',
    formatTable(['target', 'req/s', 'p50 ms', 'p99 ms', 'max ms'], rows),
    `p99 (worst operation) × the bare server's: ${ratio(sameRate)} at the same rate` +
      (sameFraction === undefined
        ? ''
        : `, ${ratio(sameFraction.run)} at ${percent} of each one's peak`),
  ].join('\n');
}
