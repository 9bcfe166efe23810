/**
 * One stream of requests against the service, driven by autocannon, with this runner's own
 * accounting: per-request latency, status counts and each answer handed back to the caller.
 *
 * autocannon ends a timed run by closing its connections, which would lose the answers to the
 * requests still in flight, and with them exact accounting (a ticket issue sent but never
 * answered may or may not have been applied). So the run is ended here instead: at the deadline
 * every connection switches to harmless `GET /healthz` requests, which are not counted, and
 * autocannon is stopped once every counted request has been answered. autocannon acts on a stop
 * only at its next sample tick, and the connections go on sending those uncounted requests at full
 * speed until then; with its default tick (a second) that added up to a second of traffic to a
 * run of five, inflating every CPU-per-request figure taken around `drive`. The tick is therefore
 * `stopTickMs`, so the run ends within that of being drained. With one request in flight
 * per connection (pipelining 1), a connection's next request is only built once the previous one
 * is answered, so the latency measured from building to answer is the request's own.
 *
 * This is a closed loop: each connection sends as fast as its answers come back. A run held to a
 * rate is `paced-drive.ts`'s (autocannon's own rate limit sends each second's quota as fast as it
 * can and then waits, so it measures the latency of bursts at full speed, not of the rate).
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { HttpCall } from './surfaces.js';

export interface PlannedCall extends HttpCall {
  /** Called with the status and body of this request's answer. */
  onAnswer?(status: number, body: string): void;
}

export interface DriveOptions {
  /** Base URL of the service, `http://127.0.0.1:port`. */
  url: string;
  connections: number;
  durationS: number;
  /** The next request to send; called once per request. */
  next(): PlannedCall;
  /**
   * Longest wait for the answers still in flight at the deadline.
   * @default 12000
   */
  drainTimeoutMs?: number;
}

export interface DriveResult {
  connections: number;
  durationS: number;
  /** Requests sent before the deadline. */
  sent: number;
  /** Of those, answered (in the window or while draining). */
  answered: number;
  /** Answered within the measured window: the basis of the throughput. */
  answeredInWindow: number;
  /** Sent but never answered (connection errors, timeouts, drain timeout). */
  unanswered: number;
  requestsPerS: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  statusCounts: Record<string, number>;
  /** Connection errors and timeouts as autocannon counted them (drain requests included). */
  transportErrors: number;
  timeouts: number;
}

interface CallContext {
  call?: PlannedCall;
  sentAtMs?: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] as number;
}

/**
 * What a run counts, whichever driver sends it: requests sent and answered (in the window or
 * after it), statuses, and latencies in a growing typed array (no object per request).
 */
export class DriveTally {
  sent = 0;
  answered = 0;
  answeredInWindow = 0;
  /** Answers after this time count as answered, not as throughput. */
  windowEndMs = Number.POSITIVE_INFINITY;
  private readonly statusCounts: Record<string, number> = {};
  private latencies = new Float64Array(1 << 16);

  answer(status: number, latencyMs: number, atMs: number): void {
    if (this.answered === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.answered] = latencyMs;
    this.answered += 1;
    if (atMs <= this.windowEndMs) this.answeredInWindow += 1;
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
  }

  result(
    options: Pick<DriveOptions, 'connections' | 'durationS'>,
    failures: Pick<DriveResult, 'transportErrors' | 'timeouts'>,
  ): DriveResult {
    const sorted = this.latencies.slice(0, this.answered).sort();
    let sum = 0;
    for (const value of sorted) sum += value;
    return {
      connections: options.connections,
      durationS: options.durationS,
      sent: this.sent,
      answered: this.answered,
      answeredInWindow: this.answeredInWindow,
      unanswered: this.sent - this.answered,
      requestsPerS: this.answeredInWindow / options.durationS,
      latencyMs: {
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
        max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : 0,
        mean: sorted.length > 0 ? sum / sorted.length : 0,
      },
      statusCounts: this.statusCounts,
      ...failures,
    };
  }
}

/** How often autocannon looks for a stop: the longest the uncounted tail of a run lasts. */
export const stopTickMs = 10;

export async function drive(options: DriveOptions): Promise<DriveResult> {
  const drainTimeoutMs = options.drainTimeoutMs ?? 12_000;
  const tally = new DriveTally();
  let draining = false;
  let onDrained: (() => void) | undefined;

  let settle: (error: Error | null, result: autocannon.Result) => void = () => undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    settle = (error, result) => (error ? reject(error) : resolve(result));
  });
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      pipelining: 1,
      // A safety bound only: the run is stopped below, once drained.
      duration: options.durationS + drainTimeoutMs / 1000 + 5,
      // autocannon's samples are not read here (the tally above keeps its own): the tick only
      // bounds how long the stop below takes.
      sampleInt: stopTickMs,
      timeout: 10,
      requests: [
        {
          setupRequest: (request, context) => {
            const ctx = context as CallContext;
            if (draining) {
              ctx.call = undefined;
              return { ...request, method: 'GET', path: '/healthz', headers: {}, body: '' };
            }
            const call = options.next();
            ctx.call = call;
            ctx.sentAtMs = performance.now();
            tally.sent += 1;
            return {
              ...request,
              method: call.method,
              path: call.path,
              headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
              body: call.body ?? '',
            };
          },
          onResponse: (status, body, context) => {
            const ctx = context as CallContext;
            const call = ctx.call;
            if (call === undefined || ctx.sentAtMs === undefined) return;
            ctx.call = undefined;
            const now = performance.now();
            tally.answer(status, now - ctx.sentAtMs, now);
            call.onAnswer?.(status, body);
            if (draining && tally.answered === tally.sent) onDrained?.();
          },
        },
      ],
    },
    (error: Error | null, result) => settle(error, result),
  );

  const startMs = performance.now();
  tally.windowEndMs = startMs + options.durationS * 1000;
  await new Promise((resolve) => setTimeout(resolve, options.durationS * 1000));
  draining = true;
  if (tally.answered < tally.sent) {
    await new Promise<void>((resolve) => {
      onDrained = resolve;
      setTimeout(resolve, drainTimeoutMs);
    });
  }
  instance.stop();
  const result = await finished;
  return tally.result(options, { transportErrors: result.errors, timeouts: result.timeouts });
}
