/**
 * Hand-written histories for the checkers' tests: one call per operation, with its interval and
 * outcome, in the shapes of load/history/ledger-operations.ts.
 */
import type { HistoryEvent, Operation } from '../../load/history/events.js';

export interface OperationSpec {
  client: number;
  f: string;
  input?: Record<string, unknown>;
  /** Invocation and completion times (ms); the completion is ignored for `info`. */
  at: [number, number];
  ok?: Record<string, unknown>;
  fail?: string;
  info?: true;
  raffle?: string;
  kind?: string;
}

export class HistoryBuilder {
  readonly operations: Operation[] = [];

  /** Adds an operation; returns its number. */
  op(spec: OperationSpec): number {
    const op = this.operations.length;
    const completion = spec.info ? 'info' : spec.fail !== undefined ? 'fail' : 'ok';
    this.operations.push({
      op,
      client: spec.client,
      kind: spec.kind ?? 'ledger',
      raffle: spec.raffle ?? 'r',
      f: spec.f,
      input: spec.input ?? {},
      invokeMs: spec.at[0],
      completeMs: completion === 'info' ? Number.POSITIVE_INFINITY : spec.at[1],
      completion,
      output:
        completion === 'ok'
          ? (spec.ok ?? {})
          : completion === 'fail'
            ? { reason: spec.fail, status: 409 }
            : { error: 'timeout' },
    });
    return op;
  }

  /** The events of the history in time order (an `info` completes at its given time). */
  events(): HistoryEvent[] {
    const timed: { time: number; order: number; event: HistoryEvent }[] = [];
    for (const o of this.operations) {
      timed.push({
        time: o.invokeMs,
        order: 0,
        event: {
          type: 'invoke',
          op: o.op,
          client: o.client,
          kind: o.kind,
          raffle: o.raffle,
          f: o.f,
          value: o.input,
          time: o.invokeMs,
        },
      });
    }
    this.operations.forEach((o) => {
      const spec = Number.isFinite(o.completeMs) ? o.completeMs : o.invokeMs + 1_000;
      timed.push({
        time: spec,
        order: 1,
        event: { type: o.completion, op: o.op, client: o.client, value: o.output, time: spec },
      });
    });
    timed.sort((x, y) => x.time - y.time || x.order - y.order);
    return timed.map((t) => t.event);
  }
}
