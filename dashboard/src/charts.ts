/**
 * The three small live charts (throughput, latency, queue depth), drawn with uPlot from the
 * feed's samples. Each chart also states its latest value in text, which is what a screen reader
 * or a narrow phone gets; the canvas is decoration on top of it.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.js';
import type { MetricSample } from './types.js';

interface SeriesSpec {
  label: string;
  value: (sample: MetricSample) => number | null;
  stroke: string;
}

interface ChartSpec {
  title: string;
  unit: string;
  series: SeriesSpec[];
}

const specs: ChartSpec[] = [
  {
    title: 'Throughput',
    unit: '/s',
    series: [
      { label: 'API requests', value: (s) => s.requestsPerSecond, stroke: '#0b57d0' },
      { label: 'Commands', value: (s) => s.commandsPerSecond, stroke: '#1e6b34' },
    ],
  },
  {
    title: 'API latency',
    unit: ' ms',
    series: [
      { label: 'p50', value: (s) => s.p50Ms, stroke: '#0b57d0' },
      { label: 'p99', value: (s) => s.p99Ms, stroke: '#a4161a' },
    ],
  },
  {
    title: 'Queue depth',
    unit: '',
    series: [{ label: 'Waiting commands', value: (s) => s.queueLength, stroke: '#6a3d9a' }],
  },
];

/** Samples kept on screen (one minute at the feed's pace). */
const windowSize = 120;

export class Charts {
  readonly element: HTMLElement;
  private readonly samples: MetricSample[] = [];
  private readonly plots: uPlot[] = [];
  private readonly readouts: HTMLElement[] = [];
  private readonly observer: ResizeObserver;

  constructor() {
    this.element = h('div', { class: 'charts' });
    for (const spec of specs) {
      const readout = h('span', { class: 'now', 'data-chart-now': spec.title }, '–');
      const holder = h('div', { 'aria-hidden': 'true' });
      this.element.append(
        h('figure', { class: 'chart' }, holder, h('figcaption', {}, `${spec.title}: `, readout)),
      );
      this.readouts.push(readout);
      const plot = new uPlot(
        {
          width: 300,
          height: 120,
          legend: { show: true, live: false },
          cursor: { show: false },
          scales: {
            x: { time: true },
            y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
          },
          axes: [{ size: 28 }, { size: 44 }],
          series: [
            {},
            ...spec.series.map((s) => ({
              label: s.label,
              stroke: s.stroke,
              width: 1.5,
              spanGaps: false,
              points: { show: false },
            })),
          ],
        },
        [[], ...spec.series.map(() => [])],
        holder,
      );
      this.plots.push(plot);
    }
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.element);
  }

  add(sample: MetricSample): void {
    this.samples.push(sample);
    if (this.samples.length > windowSize) this.samples.shift();
    const xs = this.samples.map((s) => s.at / 1000);
    specs.forEach((spec, index) => {
      const data = [xs, ...spec.series.map((series) => this.samples.map(series.value))];
      this.plots[index]?.setData(data as uPlot.AlignedData);
      const now = spec.series
        .map((series) => `${series.label} ${series.value(sample) ?? '–'}${spec.unit}`)
        .join(', ');
      const readout = this.readouts[index];
      if (readout !== undefined) readout.textContent = now;
    });
  }

  private resize(): void {
    for (const plot of this.plots) {
      const width = plot.root.parentElement?.clientWidth ?? 300;
      if (width > 0 && Math.abs(width - plot.width) > 2) plot.setSize({ width, height: 120 });
    }
  }

  destroy(): void {
    this.observer.disconnect();
    for (const plot of this.plots) plot.destroy();
  }
}
