/**
 * An open-loop stream of requests held to a rate: request i is due at `start + i / rate`, evenly
 * spaced, whether or not earlier ones have been answered, and its latency runs from when it was
 * due, not from when a connection was free to send it. That is how a service's callers arrive,
 * and it keeps a slow answer from hiding the requests that should have followed it (a closed
 * loop sends fewer requests exactly when the service is slow, which flatters the tail).
 *
 * Requests go out on `connections` keep-alive sockets (`http1-pool.ts`), one request in flight
 * per socket; a request due while every socket is busy waits for one, and that wait counts in
 * its latency. The result has `drive.ts`'s shape, so a report reads the same whichever driver
 * ran. The trade-off: timers are coarse (a millisecond or more), so requests go out in small
 * groups rather than exactly apart, each still timed from its own due time.
 */
import { performance } from 'node:perf_hooks';
import { DriveTally, type DriveOptions, type DriveResult } from './drive.js';
import { Http1Pool } from './http1-pool.js';

export interface PacedDriveOptions extends DriveOptions {
  /** Requests per second, evenly spaced over the run. */
  ratePerS: number;
}

export async function drivePaced(options: PacedDriveOptions): Promise<DriveResult> {
  const drainTimeoutMs = options.drainTimeoutMs ?? 12_000;
  if (!(options.ratePerS > 0)) throw new Error('drivePaced: ratePerS must be positive');
  const pool = new Http1Pool(options.url, options.connections);
  const tally = new DriveTally();
  let transportErrors = 0;
  let onSettled: (() => void) | undefined;
  const startMs = performance.now();
  const windowEndMs = startMs + options.durationS * 1000;
  tally.windowEndMs = windowEndMs;
  const intervalMs = 1000 / options.ratePerS;

  const settled = (): void => {
    if (tally.answered + transportErrors === tally.sent) onSettled?.();
  };

  const send = (dueMs: number): void => {
    const call = options.next();
    tally.sent += 1;
    pool.request({
      method: call.method,
      path: call.path,
      body: call.body,
      done: (error, status, body) => {
        if (error !== undefined) {
          transportErrors += 1;
        } else {
          const now = performance.now();
          tally.answer(status, now - dueMs, now);
          call.onAnswer?.(status, body);
        }
        settled();
      },
    });
  };

  // Timers fire late by up to a millisecond or more; every request already due goes out then,
  // with its latency still counted from its own due time.
  let nextDueMs = startMs;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (nextDueMs <= now && nextDueMs < windowEndMs) {
        send(nextDueMs);
        nextDueMs += intervalMs;
      }
      if (nextDueMs >= windowEndMs) resolve();
      else setTimeout(tick, Math.max(0, nextDueMs - performance.now()));
    };
    tick();
  });
  const lastDueToEnd = windowEndMs - performance.now();
  if (lastDueToEnd > 0) await new Promise((resolve) => setTimeout(resolve, lastDueToEnd));
  if (tally.answered + transportErrors < tally.sent) {
    await new Promise<void>((resolve) => {
      onSettled = resolve;
      setTimeout(resolve, drainTimeoutMs);
    });
  }
  pool.close();
  return tally.result(options, { transportErrors, timeouts: 0 });
}
