/**
 * Renders the benchmark's chart (operations per second against participants, log-log, one panel
 * per operation, one line per target) to SVG with Vega-Lite compiled to Vega and rendered
 * headlessly, so no canvas or browser is needed.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { OpResult } from './ledger-bench.js';

const opTitles: Record<string, string> = {
  lookup: 'look up a balance (name map only)',
  issueNew: 'issue to a new participant',
  issueExisting: 'issue to an existing participant',
  transfer: 'transfer',
  draw: 'draw (select and remove)',
  page: 'list one page (100 entries)',
};

export async function renderChart(results: readonly OpResult[], title: string): Promise<string> {
  const values = results.map((r) => ({
    operation: opTitles[r.op] ?? r.op,
    participants: r.size,
    target: r.impl,
    opsPerSec: r.opsPerSec.median,
    min: r.opsPerSec.min,
    max: r.opsPerSec.max,
  }));
  const x = {
    field: 'participants',
    type: 'quantitative',
    scale: { type: 'log' },
    axis: { title: 'participants', format: '~s', tickCount: 4 },
  } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: {
      field: 'operation',
      type: 'nominal',
      title: null,
      sort: Object.values(opTitles),
    },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 230,
      height: 180,
      encoding: {
        x,
        color: {
          field: 'target',
          type: 'nominal',
          sort: ['ledger', 'skiplist', 'fenwick', 'naive'],
          legend: { title: 'target', orient: 'right' },
        },
      },
      layer: [
        {
          mark: { type: 'rule', opacity: 0.6 },
          encoding: {
            y: { field: 'min', type: 'quantitative', scale: { type: 'log' } },
            y2: { field: 'max' },
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            y: {
              field: 'opsPerSec',
              type: 'quantitative',
              scale: { type: 'log' },
              axis: { title: 'operations / s (median)', format: '~s' },
            },
          },
        },
      ],
    },
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
