/**
 * Prometheus metrics at `/metrics`: Node's defaults, the engine's queue and batches, and HTTP
 * requests by surface (`api`, `trpc`, `other`) and status class.
 *
 * Each app gets its own registry, so several apps in one test process do not collide.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../engine/engine.js';
import type { JournalStats } from '../journal/journal.js';

export interface Metrics {
  registry: Registry;
  /** Counts and times one request (framework-free: the fast path calls it directly). */
  observe(req: IncomingMessage, res: ServerResponse): void;
  middleware: RequestHandler;
}

const surfaceKey = Symbol('raffle.metricsSurface');
const startedAtKey = Symbol('raffle.metricsStartedAt');
interface Observed {
  [surfaceKey]?: 'api' | 'trpc' | 'other';
  [startedAtKey]?: number;
}

function surfaceOf(url = ''): 'api' | 'trpc' | 'other' {
  if (url.startsWith('/api/')) return 'api';
  if (url.startsWith('/trpc/')) return 'trpc';
  return 'other';
}

/** Bucket bounds, in seconds, of the latency histograms: requests and fsync waits. */
export const latencyBucketsSeconds = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** What `/metrics` reads of a journal: its counts, and the wait of each batch's fdatasync. */
export interface ObservedJournal {
  stats: JournalStats;
  onDatasync: ((seconds: number) => void) | undefined;
}

export function createMetrics(engine: Engine, journal?: ObservedJournal): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (journal !== undefined) {
    const fsyncs = new Histogram({
      name: 'raffle_journal_fsync_seconds',
      help: "How long each batch waited for the journal's fdatasync (its callers wait as long).",
      buckets: latencyBucketsSeconds,
      registers: [registry],
    });
    journal.onDatasync = (seconds) => fsyncs.observe(seconds);
    const journalGauges: [string, string, keyof JournalStats][] = [
      [
        'raffle_journal_fsyncs_total',
        'fsyncs of the journal (one per batch: group commit).',
        'fsyncs',
      ],
      ['raffle_journal_commands_total', 'Commands written to the journal.', 'commands'],
      ['raffle_journal_bytes_total', 'Bytes written to the journal.', 'bytes'],
      ['raffle_snapshots_total', 'Snapshots written since start.', 'snapshots'],
      ['raffle_snapshot_seq', 'Sequence number of the last snapshot.', 'lastSnapshotSeq'],
    ];
    for (const [name, help, field] of journalGauges) {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(journal.stats[field]);
        },
      });
    }
  }
  new Gauge({
    name: 'raffle_queue_length',
    help: 'Commands waiting in the command queue.',
    registers: [registry],
    collect() {
      this.set(engine.stats().queueLength);
    },
  });
  new Gauge({
    name: 'raffle_batches_total',
    help: 'Batches the command queue has applied.',
    registers: [registry],
    collect() {
      this.set(engine.stats().batchCount);
    },
  });
  new Gauge({
    name: 'raffle_commands_total',
    help: 'Commands the command queue has answered.',
    registers: [registry],
    collect() {
      this.set(engine.stats().commandCount);
    },
  });
  new Gauge({
    name: 'raffle_applied_seq',
    help: 'Sequence number of the last mutation applied.',
    registers: [registry],
    collect() {
      this.set(engine.stats().appliedSeq);
    },
  });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by surface and status class.',
    labelNames: ['surface', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request durations, by surface.',
    labelNames: ['surface'] as const,
    buckets: latencyBucketsSeconds,
    registers: [registry],
  });
  // One listener for every answer and label objects made once: observing a request allocates
  // nothing but the start time it keeps on the answer.
  const surfaces = ['api', 'trpc', 'other'] as const;
  const surfaceLabels = Object.fromEntries(surfaces.map((surface) => [surface, { surface }]));
  const statusLabels = Object.fromEntries(
    surfaces.map((surface) => [
      surface,
      ['1xx', '2xx', '3xx', '4xx', '5xx'].map((status) => ({ surface, status })),
    ]),
  );
  function finished(this: ServerResponse & Observed): void {
    const surface = this[surfaceKey] ?? 'other';
    const startedAtMs = this[startedAtKey] ?? performance.now();
    durations.observe(surfaceLabels[surface]!, (performance.now() - startedAtMs) / 1000);
    const labels = statusLabels[surface]![Math.floor(this.statusCode / 100) - 1];
    requests.inc(labels ?? { surface, status: `${Math.floor(this.statusCode / 100)}xx` });
  }
  const observe = (req: IncomingMessage, res: ServerResponse): void => {
    const observed = res as ServerResponse & Observed;
    observed[surfaceKey] = surfaceOf(req.url);
    observed[startedAtKey] = performance.now();
    res.on('finish', finished);
  };
  const middleware: RequestHandler = (req, res, next) => {
    observe(req, res);
    next();
  };
  return { registry, observe, middleware };
}
