/**
 * Turns the benchmark's measurements into its report: ratios against the baselines, the ISSUE 4
 * targets checked on them, the growth of draw cost, and the terminal table. Pure functions, so
 * the smoke test can build a report from a tiny in-process run and check that every figure is in
 * it.
 */
import {
  naiveSizeMax,
  ratiosOf,
  type MemoryResult,
  type OpResult,
  type Ratio,
} from './ledger-bench.js';
import { opNames, type ImplName, type OpName } from './targets.js';

const fmtRate = (value: number | undefined): string => {
  if (value === undefined) return '—';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)}k`;
  return value.toFixed(value >= 100 ? 0 : 1);
};
const fmtRatio = (value: number | undefined): string =>
  value === undefined ? '—' : value >= 100 ? `${value.toFixed(0)}×` : `${value.toFixed(2)}×`;
const pad = (text: string, width: number): string => text.padStart(width);

export function formatTable(
  results: readonly OpResult[],
  ratios: readonly Ratio[],
  memory: readonly MemoryResult[],
): string {
  const lines: string[] = [];
  const sizes = [...new Set(results.map((r) => r.size))].sort((a, b) => a - b);
  const get = (size: number, op: OpName, impl: ImplName) =>
    results.find((r) => r.size === size && r.op === op && r.impl === impl);
  const ratio = (size: number, op: OpName, impl: ImplName) =>
    ratios.find((r) => r.size === size && r.op === op && r.impl === impl);
  const header = [
    'participants',
    'operation',
    'ledger',
    'skiplist',
    'fenwick',
    'naive',
    'spread',
    'ledger/fw',
    'skip/fw',
    'skip/naive',
  ];
  const widths = [12, 14, 9, 9, 9, 9, 7, 10, 8, 10];
  lines.push(header.map((h, i) => pad(h, widths[i]!)).join(' '));
  for (const size of sizes) {
    for (const op of opNames) {
      const skip = get(size, op, 'skiplist');
      const spread =
        skip === undefined
          ? undefined
          : (skip.opsPerSec.max - skip.opsPerSec.min) / skip.opsPerSec.median;
      const cells = [
        size.toExponential(0).replace('e+', 'e'),
        op,
        fmtRate(get(size, op, 'ledger')?.opsPerSec.median),
        fmtRate(skip?.opsPerSec.median),
        fmtRate(get(size, op, 'fenwick')?.opsPerSec.median),
        fmtRate(get(size, op, 'naive')?.opsPerSec.median),
        spread === undefined ? '—' : `±${((spread / 2) * 100).toFixed(0)}%`,
        fmtRatio(ratio(size, op, 'ledger')?.vsFenwick),
        fmtRatio(ratio(size, op, 'skiplist')?.vsFenwick),
        fmtRatio(ratio(size, op, 'skiplist')?.vsNaive),
      ];
      lines.push(cells.map((c, i) => pad(c, widths[i]!)).join(' '));
    }
  }
  lines.push('');
  lines.push(
    ['participants', 'target', 'heap B/p', 'RSS B/p', 'RSS total', 'build']
      .map((h) => pad(h, 12))
      .join(' '),
  );
  for (const m of memory) {
    lines.push(
      [
        m.size.toExponential(0).replace('e+', 'e'),
        m.impl,
        m.heapBytesPerParticipant.toFixed(0),
        m.rssBytesPerParticipant.toFixed(0),
        `${(m.rssBytes / 2 ** 30).toFixed(2)} GiB`,
        `${(m.buildMs / 1000).toFixed(2)} s`,
      ]
        .map((c) => pad(c, 12))
        .join(' '),
    );
  }
  return lines.join('\n');
}

export interface TargetCheck {
  check: string;
  value: number | undefined;
  threshold: number;
  met: boolean | undefined;
}

/** The ISSUE 4 targets at 10^6 participants (and 10^7 for memory), checked on these figures. */
export function checkTargets(
  results: readonly OpResult[],
  ratios: readonly Ratio[],
  memory: readonly MemoryResult[],
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const size = 1_000_000;
  const floors: [OpName, number][] = [
    ['issueExisting', 500_000],
    ['transfer', 250_000],
    ['draw', 300_000],
  ];
  for (const impl of ['ledger', 'skiplist'] as const) {
    for (const [op, floor] of floors) {
      const value = results.find((r) => r.size === size && r.op === op && r.impl === impl)
        ?.opsPerSec.median;
      checks.push({
        check: `${impl} ${op} ops/s at 10^6 >= ${floor}`,
        value,
        threshold: floor,
        met: value === undefined ? undefined : value >= floor,
      });
      const vs = ratios.find((r) => r.size === size && r.op === op && r.impl === impl)?.vsFenwick;
      checks.push({
        check: `${impl} ${op} at 10^6 within 2x of fenwick (ratio >= 0.5)`,
        value: vs,
        threshold: 0.5,
        met: vs === undefined ? undefined : vs >= 0.5,
      });
    }
  }
  const big = memory.find((m) => m.size === 10_000_000 && m.impl === 'ledger');
  checks.push({
    check: 'ledger RSS at 10^7 <= 3 GiB',
    value: big?.rssBytes,
    threshold: 3 * 2 ** 30,
    met: big === undefined ? undefined : big.rssBytes <= 3 * 2 ** 30,
  });
  return checks;
}

/** Nanoseconds per draw divided by log2(participants): flat when cost grows as log n. */
export function drawCostPerLog(
  results: readonly OpResult[],
): { size: number; nsPerLog2: number }[] {
  return results
    .filter((r) => r.op === 'draw' && r.impl === 'skiplist')
    .map((r) => ({ size: r.size, nsPerLog2: 1e9 / r.opsPerSec.median / Math.log2(r.size) }));
}

export interface LedgerBenchReport {
  meta: Record<string, unknown> & { sizes: number[]; reps: number; naiveSizeMax: number };
  results: OpResult[];
  ratios: Ratio[];
  memory: MemoryResult[];
  drawCostPerLog2: { size: number; nsPerLog2: number }[];
  targets: TargetCheck[];
}

export function buildReport(
  meta: Record<string, unknown> & { sizes: number[]; reps: number },
  results: OpResult[],
  memory: MemoryResult[],
): LedgerBenchReport {
  const ratios = ratiosOf(results);
  return {
    meta: { ...meta, naiveSizeMax },
    results,
    ratios,
    memory,
    drawCostPerLog2: drawCostPerLog(results),
    targets: checkTargets(results, ratios, memory),
  };
}
