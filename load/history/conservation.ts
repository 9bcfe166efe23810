/**
 * The conservation checker: a streaming pass over a history, in the order its events happened,
 * that checks each kind's conservation law on every read that sees a whole raffle — for the
 * ledger, tickets issued − tickets drawn = total (the bank workload's "money is neither created
 * nor destroyed", transfers being the moves between accounts).
 *
 * It is linear in the history and needs memory only for the operations in flight and a few
 * counters per raffle, so it checks a history of any length as it is recorded or read from a
 * file. Each kind brings a `ConservationLaw` (ledger-law.ts; prize-law.ts and campaign-law.ts are
 * the hooks for the other kinds); events of a kind without a law are counted and skipped.
 *
 * An anomaly is a read whose figure lies outside what the operations around it allow; the report
 * gives the first (in the order the reads completed) and the worst (farthest outside its bounds).
 */
import { performance } from 'node:perf_hooks';
import type { CompleteEvent, HistoryEvent, InvokeEvent } from './events.js';

export interface ConservationAnomaly {
  kind: string;
  raffle: string;
  op: number;
  client: number;
  f: string;
  /** What was read, e.g. `totalTickets`, `drawCount`, `listed tickets`, `ticket 17 claims`. */
  quantity: string;
  observed: number;
  /** The bounds the history allows at that read (equal when nothing was in flight). */
  lower: number;
  upper: number;
  /** How far outside the bounds: observed − upper, or lower − observed. */
  deviation: number;
  /** When the read completed (ms of the history's clock). */
  time: number;
}

/** What a law reports to the checker. */
export interface LawSink {
  /** A whole-raffle read was checked (anomalous or not). */
  read(): void;
  anomaly(anomaly: Omit<ConservationAnomaly, 'deviation'>): void;
}

/**
 * The check every law makes on a whole-raffle read: counts the read, and reports an anomaly when
 * the observed quantity lies outside the bounds the history allows at that moment.
 */
export function boundCheck(sink: LawSink, kind: string) {
  return (
    invoked: InvokeEvent,
    done: CompleteEvent,
    quantity: string,
    observed: number,
    lower: number,
    upper: number,
  ): void => {
    sink.read();
    if (observed >= lower && observed <= upper) return;
    const { raffle, op, client, f } = invoked;
    sink.anomaly({
      kind,
      raffle,
      op,
      client,
      f,
      quantity,
      observed,
      lower,
      upper,
      time: done.time,
    });
  };
}

/** One kind's conservation law, fed the history's events in order. */
export interface ConservationLaw {
  invoke(event: InvokeEvent): void;
  /** A completion, with the invocation it closes. */
  complete(event: CompleteEvent, invoked: InvokeEvent): void;
}

export type LawFactory = (sink: LawSink) => ConservationLaw;

export interface ConservationReport {
  valid: boolean;
  /** Operations invoked. */
  operations: number;
  /** Whole-raffle reads checked. */
  reads: number;
  anomalies: number;
  first?: ConservationAnomaly;
  worst?: ConservationAnomaly;
  /** Operations per kind; kinds without a law are listed in `skippedKinds`. */
  operationsByKind: Record<string, number>;
  skippedKinds: string[];
  durationMs: number;
}

export class ConservationChecker {
  private readonly laws = new Map<string, ConservationLaw>();
  private readonly pending = new Map<number, InvokeEvent>();
  private readonly operationsByKind: Record<string, number> = {};
  private readonly skipped = new Set<string>();
  private operations = 0;
  private reads = 0;
  private anomalies = 0;
  private first: ConservationAnomaly | undefined;
  private worst: ConservationAnomaly | undefined;

  constructor(private readonly factories: Readonly<Record<string, LawFactory>>) {}

  private lawOf(kind: string): ConservationLaw | undefined {
    let law = this.laws.get(kind);
    if (law === undefined) {
      const factory = this.factories[kind];
      if (factory === undefined) {
        this.skipped.add(kind);
        return undefined;
      }
      law = factory({
        read: () => {
          this.reads += 1;
        },
        anomaly: (found) => {
          const deviation =
            found.observed < found.lower
              ? found.lower - found.observed
              : found.observed - found.upper;
          const anomaly: ConservationAnomaly = { ...found, deviation };
          this.anomalies += 1;
          this.first ??= anomaly;
          if (this.worst === undefined || deviation > this.worst.deviation) this.worst = anomaly;
        },
      });
      this.laws.set(kind, law);
    }
    return law;
  }

  consume(event: HistoryEvent): void {
    if (event.type === 'invoke') {
      this.operations += 1;
      this.operationsByKind[event.kind] = (this.operationsByKind[event.kind] ?? 0) + 1;
      this.pending.set(event.op, event);
      this.lawOf(event.kind)?.invoke(event);
    } else {
      const invoked = this.pending.get(event.op);
      if (invoked === undefined) {
        throw new Error(`history: operation ${event.op} completes but was never invoked`);
      }
      this.pending.delete(event.op);
      this.lawOf(invoked.kind)?.complete(event, invoked);
    }
  }

  /** The verdict so far; `durationMs` is the time the caller spent feeding the checker. */
  report(durationMs = 0): ConservationReport {
    return {
      valid: this.anomalies === 0,
      operations: this.operations,
      reads: this.reads,
      anomalies: this.anomalies,
      ...(this.first === undefined ? {} : { first: this.first }),
      ...(this.worst === undefined ? {} : { worst: this.worst }),
      operationsByKind: { ...this.operationsByKind },
      skippedKinds: [...this.skipped].sort(),
      durationMs,
    };
  }
}

/** Runs a checker with the given laws over a whole history (an array, a generator). */
export function checkConservation(
  events: Iterable<HistoryEvent>,
  laws: Readonly<Record<string, LawFactory>>,
): ConservationReport {
  const started = performance.now();
  const checker = new ConservationChecker(laws);
  for (const event of events) checker.consume(event);
  return checker.report(performance.now() - started);
}

/** One line describing an anomaly. */
export function formatAnomaly(anomaly: ConservationAnomaly): string {
  const bounds =
    anomaly.lower === anomaly.upper ? `${anomaly.lower}` : `[${anomaly.lower}, ${anomaly.upper}]`;
  return (
    `${anomaly.kind} raffle ${anomaly.raffle}: op ${anomaly.op} (client ${anomaly.client}, ${anomaly.f}) ` +
    `read ${anomaly.quantity} = ${anomaly.observed}, expected ${bounds} (off by ${anomaly.deviation}) ` +
    `at ${anomaly.time.toFixed(3)} ms`
  );
}
