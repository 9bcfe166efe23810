/**
 * The history recorder: hands out operation numbers and stamps each event with a monotonic time,
 * then passes it to its sinks (an array in memory, a JSONL file, a streaming checker).
 *
 * The time of an invocation is read before the request leaves and the time of a completion after
 * the whole answer arrived, so the interval recorded always contains the interval the service
 * really spent on the operation: a busy event loop can only widen it, which makes a checker more
 * lenient, never wrongly strict. `performance.now()` never goes back; the recorder still clamps
 * each time to the previous one so that its histories are ordered by construction.
 */
import { performance } from 'node:perf_hooks';
import type { Completion, CompleteEvent, HistoryEvent, InvokeEvent } from './events.js';

export type EventSink = (event: HistoryEvent) => void;

export interface RecorderOptions {
  /**
   * Keep every event in `events` (tests and short runs); a soak passes sinks instead.
   * @default true
   */
  keep?: boolean;
  sinks?: EventSink[];
}

export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  private readonly keep: boolean;
  private readonly sinks: EventSink[];
  private readonly startMs = performance.now();
  private lastTime = 0;
  private nextOp = 0;
  private open = 0;

  constructor(options: RecorderOptions = {}) {
    this.keep = options.keep ?? true;
    this.sinks = options.sinks ?? [];
  }

  /** Operations invoked so far. */
  get invoked(): number {
    return this.nextOp;
  }

  /** Operations invoked and not completed yet. */
  get pending(): number {
    return this.open;
  }

  /** Hands over the events kept so far and forgets them (a soak checks its history round by round). */
  takeEvents(): HistoryEvent[] {
    return this.events.splice(0, this.events.length);
  }

  /** Records an invocation and returns its operation number. */
  invoke(fields: Omit<InvokeEvent, 'type' | 'op' | 'time'>): number {
    const op = this.nextOp;
    this.nextOp += 1;
    this.open += 1;
    this.emit({ type: 'invoke', op, ...fields, time: this.now() });
    return op;
  }

  /** Records the completion of an operation invoked by `client`. */
  complete(op: number, client: number, type: Completion, value: Record<string, unknown>): void {
    this.open -= 1;
    const event: CompleteEvent = { type, op, client, value, time: this.now() };
    this.emit(event);
  }

  private now(): number {
    const time = performance.now() - this.startMs;
    this.lastTime = Math.max(this.lastTime, time);
    return this.lastTime;
  }

  private emit(event: HistoryEvent): void {
    if (this.keep) this.events.push(event);
    for (const sink of this.sinks) sink(event);
  }
}
