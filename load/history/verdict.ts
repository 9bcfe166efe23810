/**
 * The one-line verdict every check ends with, so that a run's outcome can be read (or grepped)
 * at a glance: valid, invalid or unknown; operations; anomalies; then one clause per checker.
 *
 *   VERDICT valid · 10000 operations · 0 anomalies · linearizable (8705 checked, 1 raffle, 0.9 s) · conserved (6394 whole-raffle reads, 0.2 s)
 */
import type { ConservationReport } from './conservation.js';
import type { LinearizabilityReport } from './linearizability.js';

export interface VerdictInput {
  operations: number;
  linearizability?: LinearizabilityReport | undefined;
  conservation?: ConservationReport | undefined;
  /** Extra clauses, such as the seeds of a soak. */
  notes?: string[];
}

export interface Verdict {
  /** True: every check passed; false: an anomaly; undefined: a check could not decide. */
  valid: boolean | undefined;
  anomalies: number;
  line: string;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** Violations the linearizability report counts: each failed projection, or one per raffle. */
export function linearizabilityAnomalies(report: LinearizabilityReport): number {
  return report.violations.reduce(
    (sum, v) => sum + Math.max(1, v.failedProjections?.length ?? 0),
    0,
  );
}

export function verdict(input: VerdictInput): Verdict {
  const clauses: string[] = [];
  let anomalies = 0;
  let valid: boolean | undefined = true;
  const lin = input.linearizability;
  if (lin !== undefined) {
    const found = linearizabilityAnomalies(lin);
    anomalies += found;
    const raffles = `${lin.partitions.length} raffle${lin.partitions.length === 1 ? '' : 's'}`;
    if (lin.valid === false) {
      valid = false;
      clauses.push(
        `NOT linearizable (${found} violation${found === 1 ? '' : 's'} in ${raffles}, ${seconds(lin.durationMs)})`,
      );
    } else if (lin.valid === undefined) {
      if (valid) valid = undefined;
      clauses.push(
        `linearizability unknown (search bound reached; ${lin.checked} checked, ${seconds(lin.durationMs)})`,
      );
    } else {
      clauses.push(`linearizable (${lin.checked} checked, ${raffles}, ${seconds(lin.durationMs)})`);
    }
  }
  const con = input.conservation;
  if (con !== undefined) {
    anomalies += con.anomalies;
    if (!con.valid) {
      valid = false;
      clauses.push(
        `NOT conserved (${con.anomalies} of ${con.reads} whole-raffle reads, worst off by ${con.worst?.deviation ?? 0}, ${seconds(con.durationMs)})`,
      );
    } else {
      clauses.push(`conserved (${con.reads} whole-raffle reads, ${seconds(con.durationMs)})`);
    }
  }
  const head = valid === true ? 'valid' : valid === false ? 'INVALID' : 'UNKNOWN';
  const line = [
    `VERDICT ${head}`,
    `${input.operations} operations`,
    `${anomalies} anomal${anomalies === 1 ? 'y' : 'ies'}`,
    ...clauses,
    ...(input.notes ?? []),
  ].join(' · ');
  return { valid, anomalies, line };
}
