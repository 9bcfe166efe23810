/**
 * The part of a recording every kind shares: the transport (HTTP, or a test double), the
 * kept-alive connections opened a few at a time, then many concurrent clients, each running one
 * operation at a time from its own seeded workload, half of them over REST and half over tRPC,
 * until a number of operations or a deadline. A kind's recorder (record-ledger.ts,
 * record-prize.ts, record-campaign.ts) brings only what its fresh raffles are made of (or how
 * to create them) and what one of its clients does next.
 *
 * Every client waits for the answer (or the transport's deadline) of each operation before the
 * next, and the run ends only when every client has finished its last one, so the history has no
 * operation left open. Clients never retry: a retry would be a second operation with the same
 * effect, which the history would have to describe.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { httpCallFor, type RoutedOperation, type Surface } from '../runner/surfaces.js';
import { performRecordedCall, type CallOutcome } from './recorded-call.js';
import { HistoryRecorder } from './recorder.js';
import { httpTransport, type Transport } from './transport.js';

export interface RecordingOptions {
  /** Base URL of the service (for the default transport). */
  baseUrl?: string;
  /** Replaces the HTTP transport (a test double); the caller closes it. */
  transport?: Transport;
  /**
   * Concurrent clients.
   * @default 64
   */
  clients?: number;
  /** Stop invoking after this many operations (all clients together). */
  operations?: number;
  /** Stop invoking after this many milliseconds. */
  durationMs?: number;
  seed: number;
  /**
   * Fresh raffles to create and spread the clients' operations over.
   * @default 1
   */
  raffles?: number;
  /**
   * Wires, given to the clients in turn.
   * @default ['rest', 'trpc']
   */
  surfaces?: Surface[];
  /** Where events go; by default a recorder keeping them in memory. */
  recorder?: HistoryRecorder;
  /**
   * Per-request deadline of the default transport.
   * @default 30000
   */
  timeoutMs?: number;
}

export interface RecordingResult {
  recorder: HistoryRecorder;
  raffles: string[];
  operations: number;
  durationMs: number;
  /** Completions by operation and type, e.g. `issue ok`, `claim fail sold_out`. */
  counts: Record<string, number>;
}

/** What a kind's recorder gets to create its raffles and run its clients. */
export interface RecordingContext {
  transport: Transport;
  recorder: HistoryRecorder;
  seed: number;
}

/** One client of a kind: performs and records its next operation. */
export type KindClient = () => Promise<{ f: string; outcome: CallOutcome }>;

export interface KindRecording {
  raffles: string[];
  /** The client numbered `client`, on `surface`, with its own seed. */
  client(client: number, surface: Surface, seed: number): KindClient;
}

/** Records one kind's history: `prepare` creates the raffles (unrecorded or recorded, its choice). */
export async function recordKindHistory(
  options: RecordingOptions,
  prepare: (context: RecordingContext) => Promise<KindRecording>,
): Promise<RecordingResult> {
  const clients = options.clients ?? 64;
  const surfaces = options.surfaces ?? ['rest', 'trpc'];
  if (options.operations === undefined && options.durationMs === undefined) {
    throw new Error('recording a history: give operations, durationMs or both');
  }
  const ownTransport =
    options.transport === undefined
      ? httpTransport({ baseUrl: options.baseUrl ?? '', timeoutMs: options.timeoutMs })
      : undefined;
  const transport = options.transport ?? (ownTransport as { send: Transport }).send;
  const recorder = options.recorder ?? new HistoryRecorder();
  const counts: Record<string, number> = {};
  try {
    const recording = await prepare({ transport, recorder, seed: options.seed });
    await ownTransport?.warmUp(clients);
    const operationsMax = options.operations ?? Number.POSITIVE_INFINITY;
    const startMs = performance.now();
    const deadlineMs = startMs + (options.durationMs ?? Number.POSITIVE_INFINITY);
    let started = 0;
    const runClient = async (client: number): Promise<void> => {
      const surface = surfaces[client % surfaces.length] as Surface;
      const next = recording.client(client, surface, (options.seed * 1_000_003 + client) >>> 0);
      while (started < operationsMax && performance.now() < deadlineMs) {
        started += 1;
        const { f, outcome } = await next();
        const key =
          outcome.type === 'fail' ? `${f} fail ${outcome.value.reason}` : `${f} ${outcome.type}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, client) => runClient(client)));
    return {
      recorder,
      raffles: recording.raffles,
      operations: started,
      durationMs: performance.now() - startMs,
      counts,
    };
  } finally {
    ownTransport?.close();
  }
}

/** How a kind's recorder describes its operations to `kindCaller`. */
export interface KindOperations<F extends string> {
  kind: string;
  /** The route of each operation. */
  routeOf: Record<F, RoutedOperation>;
  /** The input field that names the raffle on the wire (`id`, `campaignId`). */
  raffleField: string;
  condense(f: F, answer: unknown): Record<string, unknown>;
}

/** One operation of a kind as its clients make it: the history's input, the wire's, headers. */
export type KindCall<F extends string> = (
  client: number,
  surface: Surface,
  raffle: string,
  f: F,
  input: Record<string, unknown>,
  wire: Record<string, unknown>,
  headers?: Record<string, string>,
) => Promise<CallOutcome>;

/** Performs and records operations of one kind through the recording's transport. */
export function kindCaller<F extends string>(
  { transport, recorder }: RecordingContext,
  operations: KindOperations<F>,
): KindCall<F> {
  return (client, surface, raffle, f, input, wire, headers) =>
    performRecordedCall(recorder, transport, client, surface, {
      kind: operations.kind,
      raffle,
      f,
      input,
      wire: httpCallFor(surface, operations.routeOf[f], {
        [operations.raffleField]: raffle,
        ...wire,
      }),
      headers,
      condense: (answer) => operations.condense(f, answer),
    });
}

/** One recorded creation: the history's input and the request's body, for raffle `id`. */
export interface RecordedCreation {
  input: Record<string, unknown>;
  wire: Record<string, unknown>;
}

/**
 * Creates `count` fresh raffles as the history's first operations (client 0, over REST). Their
 * ids are of the recording's own making (`prefix-seed-run-i`), since the creation is recorded and
 * its invocation must name the raffle before the service answers. A creation whose answer was
 * lost may well have been applied, so the run goes on; a refusal stops it.
 */
export async function createRecordedRaffles(
  call: KindCall<'create'>,
  seed: number,
  raffles: { count: number; prefix: string; noun: string },
  creation: (id: string, index: number) => RecordedCreation,
): Promise<string[]> {
  const run = randomBytes(4).toString('hex');
  const ids: string[] = [];
  for (let i = 0; i < raffles.count; i += 1) {
    const id = `${raffles.prefix}-${seed}-${run}-${i}`;
    const { input, wire } = creation(id, i);
    const created = await call(0, 'rest', id, 'create', input, wire);
    if (created.type === 'fail') {
      throw new Error(`could not create ${raffles.noun}: ${JSON.stringify(created.value)}`);
    }
    ids.push(id);
  }
  return ids;
}
