/**
 * What the page knows live: the feed's latest overview, the recent draws, the chart samples and
 * whether this tab acts as an operator. Views subscribe to changes and are told again on each.
 */
import type { DrawEvent, MetricSample, Overview } from './types.js';

type Listener = () => void;

export class Live {
  overview: Overview | undefined;
  readonly draws: DrawEvent[] = [];
  operator = false;
  private readonly listeners = new Set<Listener>();
  readonly sampleListeners = new Set<(sample: MetricSample) => void>();
  readonly drawListeners = new Set<(draw: DrawEvent) => void>();

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Opens the event stream; `status` hears whether it is live. */
  connect(status: (state: 'live' | 'down') => void): EventSource {
    const source = new EventSource('/dashboard/events');
    source.onopen = () => status('live');
    source.onerror = () => status('down');
    source.addEventListener('overview', (event) => {
      this.overview = JSON.parse((event as MessageEvent<string>).data) as Overview;
      this.changed();
    });
    source.addEventListener('sample', (event) => {
      const sample = JSON.parse((event as MessageEvent<string>).data) as MetricSample;
      for (const listener of this.sampleListeners) listener(sample);
    });
    source.addEventListener('draw', (event) => {
      const draw = JSON.parse((event as MessageEvent<string>).data) as DrawEvent;
      this.draws.unshift(draw);
      if (this.draws.length > 50) this.draws.pop();
      for (const listener of this.drawListeners) listener(draw);
    });
    return source;
  }
}
