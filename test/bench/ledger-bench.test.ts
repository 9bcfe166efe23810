import { describe, expect, it } from 'vitest';
import { measureMemory, runOps, type OpResult } from '../../bench/ledger-bench.js';
import { buildReport, formatTable } from '../../bench/ledger-report.js';
import { renderChart } from '../../bench/ledger-chart.js';
import {
  createTarget,
  implNames,
  initialWeights,
  makeInputs,
  opNames,
  type BenchTarget,
  type ImplName,
} from '../../bench/targets.js';

/**
 * Smoke test of the ledger benchmark at a tiny size: the code runs, the targets it compares agree
 * on every outcome of the same operation sequence, and the report holds every figure. Nothing
 * here looks at speed.
 */
const size = 1_000;
const seed = 42;

describe('ledger benchmark', () => {
  it('draw: skip list, Fenwick tree and naive model pick the same winners for the same numbers', () => {
    const structures = (['skiplist', 'fenwick', 'naive'] as const).map((impl) => {
      const target = createTarget(impl);
      target.build(initialWeights(size, seed));
      return target;
    });
    const draws = 2_000;
    const inputs = makeInputs('draw', size, draws, 1, seed);
    const winners = structures.map((target) => {
      const names = new Array<string>(draws).fill('');
      target.drawBatch(inputs, names, 0, draws);
      return names;
    });
    expect(winners[0]!.every((name) => name.length > 0)).toBe(true);
    expect(winners[1]).toEqual(winners[0]);
    expect(winners[2]).toEqual(winners[0]);
    const balances = structures.map((target) => target.balances());
    expect(balances[1]).toEqual(balances[0]);
    expect(balances[2]).toEqual(balances[0]);
  });

  it('every operation: all targets give the same outcomes and keep the same balances', () => {
    const seen: string[] = [];
    const results = runOps(size, {
      impls: implNames,
      reps: 2,
      seed,
      batchFor: (_size, op) => (op === 'page' ? 20 : 300),
      afterOp: (op, targets) => {
        seen.push(op);
        const balancesOf = (impl: ImplName) => (targets.get(impl) as BenchTarget).balances();
        const skiplist = balancesOf('skiplist');
        expect(skiplist.length, op).toBeGreaterThan(size / 2);
        expect(balancesOf('fenwick'), op).toEqual(skiplist);
        expect(balancesOf('naive'), op).toEqual(skiplist);
        // The ledger draws from seed bytes rather than from the shared numbers, so it is held to
        // the others only until the draws.
        if (op !== 'draw' && op !== 'page') expect(balancesOf('ledger'), op).toEqual(skiplist);
      },
    });
    expect(seen).toEqual([...opNames]);
    for (const op of opNames) {
      const checksums = (impl: ImplName) =>
        results.find((r) => r.op === op && r.impl === impl)!.checksums;
      expect(checksums('fenwick'), op).toEqual(checksums('skiplist'));
      expect(checksums('naive'), op).toEqual(checksums('skiplist'));
      if (op !== 'draw' && op !== 'page')
        expect(checksums('ledger'), op).toEqual(checksums('skiplist'));
    }
  });

  it('report: every target, operation and memory figure is present, with ratios and targets', async () => {
    const results: OpResult[] = runOps(size, {
      impls: implNames,
      reps: 2,
      seed,
      batchFor: () => 50,
    });
    const memory = implNames.map((impl) => measureMemory(impl, size, seed));
    const report = buildReport({ sizes: [size], reps: 2 }, results, memory);
    const json = JSON.parse(JSON.stringify(report)) as typeof report;
    for (const impl of implNames) {
      for (const op of opNames) {
        const result = json.results.find((r) => r.impl === impl && r.op === op && r.size === size);
        expect(result, `${impl} ${op}`).toBeDefined();
        for (const spread of [result!.opsPerSec, result!.opsPerWallSec]) {
          expect(spread.reps).toHaveLength(2);
          expect(spread.median).toBeGreaterThan(0);
          expect(spread.min).toBeLessThanOrEqual(spread.median);
          expect(spread.max).toBeGreaterThanOrEqual(spread.median);
        }
        const ratio = json.ratios.find((r) => r.impl === impl && r.op === op);
        expect(ratio?.vsFenwick, `${impl} ${op} vs fenwick`).toBeGreaterThan(0);
        expect(ratio?.vsNaive, `${impl} ${op} vs naive`).toBeGreaterThan(0);
      }
      const used = json.memory.find((m) => m.impl === impl);
      expect(used?.size).toBe(size);
      expect(used?.rssBytes).toBeGreaterThan(0);
      expect(Number.isFinite(used?.heapBytesPerParticipant)).toBe(true);
    }
    expect(json.drawCostPerLog2).toHaveLength(1);
    expect(json.targets.map((t) => t.check)).toContain('ledger RSS at 10^7 <= 3 GiB');
    expect(formatTable(json.results, json.ratios, json.memory)).toContain('issueExisting');
    const svg = await renderChart(json.results, 'smoke');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('transfer');
  });
});
