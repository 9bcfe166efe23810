/**
 * The history format shared by the recorder, the checkers and the soak script: one event per line
 * of JSON (JSONL), in the order they happened, as Jepsen records its histories.
 *
 * An operation is two events with the same `op` number: an `invoke` when the client is about to
 * send the request, then one completion when it has the whole answer (or gives up): `ok` (the
 * service answered with a result), `fail` (the service refused: the operation certainly did not
 * take effect, and the reason may still say something about the state) or `info` (the outcome is
 * unknown — a timeout, a reset connection, a 500 — so the operation may or may not have taken
 * effect, at any time after its invocation). Times are milliseconds of a monotonic clock
 * (`performance.now()`) from the start of the recording; an event's time never precedes the
 * previous event's. Keeping invoke and completion apart (rather than one record per operation)
 * lets a checker consume a history as a stream, in constant memory, however long the run.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export type Completion = 'ok' | 'fail' | 'info';

export interface InvokeEvent {
  type: 'invoke';
  /** Operation number, unique within the history. */
  op: number;
  /** The client (logical process) that ran it; a client runs one operation at a time. */
  client: number;
  /** Raffle kind, `ledger` for now: it chooses the model and the conservation law. */
  kind: string;
  /** The raffle the operation works on: histories partition by it. */
  raffle: string;
  /** The operation, e.g. `issue` (see ledger-operations.ts). */
  f: string;
  /** The operation's input. */
  value: Record<string, unknown>;
  time: number;
  /** The wire the request went over. */
  surface?: 'rest' | 'trpc' | undefined;
}

export interface CompleteEvent {
  type: Completion;
  op: number;
  client: number;
  /**
   * `ok`: the result; `fail`: `{ reason, status }`; `info`: `{ error }` (what made it unknown).
   */
  value: Record<string, unknown>;
  time: number;
}

export type HistoryEvent = InvokeEvent | CompleteEvent;

/** An operation with both of its events, as the linearizability checker takes it. */
export interface Operation {
  op: number;
  client: number;
  kind: string;
  raffle: string;
  f: string;
  input: Record<string, unknown>;
  invokeMs: number;
  /** `Infinity` for an `info` operation (and one with no completion at all). */
  completeMs: number;
  completion: Completion;
  output: Record<string, unknown>;
}

/**
 * Pairs invocations with their completions. An invocation with no completion (a history cut
 * short) counts as `info`: it may have taken effect.
 */
export function pairOperations(events: Iterable<HistoryEvent>): Operation[] {
  const pending = new Map<number, Operation>();
  const operations: Operation[] = [];
  for (const event of events) {
    if (event.type === 'invoke') {
      if (pending.has(event.op)) throw new Error(`history: operation ${event.op} invoked twice`);
      const operation: Operation = {
        op: event.op,
        client: event.client,
        kind: event.kind,
        raffle: event.raffle,
        f: event.f,
        input: event.value,
        invokeMs: event.time,
        completeMs: Number.POSITIVE_INFINITY,
        completion: 'info',
        output: {},
      };
      pending.set(event.op, operation);
      operations.push(operation);
      continue;
    }
    const operation = pending.get(event.op);
    if (operation === undefined) {
      throw new Error(`history: operation ${event.op} completes but was never invoked`);
    }
    pending.delete(event.op);
    operation.completion = event.type;
    operation.output = event.value;
    if (event.type !== 'info') operation.completeMs = event.time;
  }
  return operations;
}

/** Checks what every consumer relies on: known event types, times in order, one client at a time. */
export function validateEvent(event: unknown, previousTime: number): HistoryEvent {
  const e = event as Partial<Record<'type' | 'f' | 'raffle' | 'kind', unknown>> &
    Partial<Record<'op' | 'client' | 'time' | 'value', unknown>>;
  const where = `history event ${JSON.stringify(event).slice(0, 120)}`;
  if (typeof e !== 'object' || e === null) throw new Error(`${where}: not an object`);
  if (typeof e.type !== 'string' || !['invoke', 'ok', 'fail', 'info'].includes(e.type)) {
    throw new Error(`${where}: type must be invoke, ok, fail or info`);
  }
  if (!Number.isSafeInteger(e.op) || !Number.isSafeInteger(e.client)) {
    throw new Error(`${where}: op and client must be integers`);
  }
  if (typeof e.time !== 'number' || !Number.isFinite(e.time) || e.time < previousTime) {
    throw new Error(`${where}: time must be a number no smaller than the previous event's`);
  }
  if (typeof e.value !== 'object' || e.value === null) {
    throw new Error(`${where}: value must be an object`);
  }
  if (e.type === 'invoke') {
    if (typeof e.f !== 'string' || typeof e.raffle !== 'string') {
      throw new Error(`${where}: an invocation names its f and raffle`);
    }
    // Histories written by hand may leave the kind out: the ledger is the default.
    if (typeof e.kind !== 'string') e.kind = 'ledger';
  }
  return e as unknown as HistoryEvent;
}

/** One event as a JSONL line (without the newline). */
export function eventLine(event: HistoryEvent): string {
  return JSON.stringify(event);
}

/** Parses JSONL text (blank lines skipped), checking each event. */
export function parseHistory(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  let previousTime = Number.NEGATIVE_INFINITY;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const event = validateEvent(JSON.parse(line), previousTime);
    previousTime = event.time;
    events.push(event);
  }
  return events;
}

/** Streams the events of a JSONL file, checking each, without holding the file in memory. */
export async function* readHistoryFile(path: string): AsyncGenerator<HistoryEvent> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let previousTime = Number.NEGATIVE_INFINITY;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const event = validateEvent(JSON.parse(line), previousTime);
    previousTime = event.time;
    yield event;
  }
}
