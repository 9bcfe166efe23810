/**
 * Samples for the dashboard's charts, read from what the service already measures: the engine's
 * counters and the Prometheus registry of `/metrics` (`src/server/metrics.ts`).
 *
 * Each sample is a rate or a quantile over the interval since the previous one: commands and
 * API requests per second, the median and 99th percentile of API latency, and the queue length
 * now. Quantiles come from the histogram's buckets, so they are bucket upper bounds (a p99 of
 * "10 ms" means "at most 10 ms"): coarse, but free, and the same figures `/metrics` exports.
 * Metrics that a registry lacks read as zero, so the charts outlive a change of middleware.
 */
import type { Registry } from 'prom-client';
import type { MetricSample } from './page-shapes.js';

export type { MetricSample };

interface Readings {
  at: number;
  commands: number;
  requests: number;
  /** Cumulative counts by bucket upper bound (seconds), API surfaces only. */
  buckets: Map<number, number>;
}

/** The surfaces whose requests count as service load (the dashboard's own are `other`). */
const loadSurfaces = new Set(['api', 'trpc']);

export class MetricsSampler {
  private previous: Readings | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly engineStats: () => { commandCount: number; queueLength: number },
  ) {}

  /** A sample over the interval since the last call; undefined on the first. */
  async sample(now: number): Promise<MetricSample | undefined> {
    const stats = this.engineStats();
    const readings = { at: now, commands: stats.commandCount, ...(await this.httpReadings()) };
    const previous = this.previous;
    this.previous = readings;
    if (previous === undefined || now <= previous.at) return undefined;
    const seconds = (now - previous.at) / 1000;
    const deltas = [...readings.buckets]
      .map(([le, count]) => [le, count - (previous.buckets.get(le) ?? 0)] as const)
      .sort((a, b) => a[0] - b[0]);
    return {
      at: now,
      commandsPerSecond: round((readings.commands - previous.commands) / seconds),
      requestsPerSecond: round((readings.requests - previous.requests) / seconds),
      p50Ms: quantileMs(deltas, 0.5),
      p99Ms: quantileMs(deltas, 0.99),
      queueLength: stats.queueLength,
    };
  }

  private async httpReadings(): Promise<Omit<Readings, 'at' | 'commands'>> {
    let requests = 0;
    const buckets = new Map<number, number>();
    const counter = await this.registry.getSingleMetric('http_requests_total')?.get();
    for (const value of counter?.values ?? []) {
      if (loadSurfaces.has(String(value.labels.surface))) requests += value.value;
    }
    const histogram = await this.registry.getSingleMetric('http_request_duration_seconds')?.get();
    for (const value of histogram?.values ?? []) {
      const le = value.labels.le;
      const name = (value as { metricName?: string }).metricName ?? '';
      if (!name.endsWith('_bucket') || le === undefined) continue;
      if (!loadSurfaces.has(String(value.labels.surface))) continue;
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + value.value);
    }
    return { requests, buckets };
  }
}

const round = (value: number): number => Math.round(value * 10) / 10;

/** The upper bound (ms) of the bucket where the cumulative count passes `q` of the total. */
export function quantileMs(cumulative: readonly (readonly [number, number])[], q: number) {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (const [le, count] of cumulative) {
    if (count >= rank) return Number.isFinite(le) ? round(le * 1000) : null;
  }
  return null;
}
