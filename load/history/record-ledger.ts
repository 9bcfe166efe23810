/**
 * Records a ledger history against a running service: fresh raffles, then many concurrent
 * clients, each running one operation at a time from its own seeded workload, half of them over
 * REST and half over tRPC, until a number of operations or a deadline.
 *
 * Every client waits for the answer (or the transport's deadline) of each operation before the
 * next, and the run ends only when every client has finished its last one, so the history has no
 * operation left open. Clients never retry: a retry would be a second operation with the same
 * effect, which the history would have to describe.
 */
import { performance } from 'node:perf_hooks';
import { httpCallFor, type Surface } from '../runner/surfaces.js';
import { performLedgerCall } from './ledger-client.js';
import { LedgerClientWorkload, type LedgerWorkloadOptions } from './ledger-workload.js';
import { HistoryRecorder } from './recorder.js';
import { httpTransport, type Transport } from './transport.js';

export interface RecordLedgerOptions {
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
  workload?: LedgerWorkloadOptions;
  /**
   * Per-request deadline of the default transport.
   * @default 30000
   */
  timeoutMs?: number;
}

export interface RecordLedgerResult {
  recorder: HistoryRecorder;
  raffles: string[];
  operations: number;
  durationMs: number;
  /** Completions by operation and type, e.g. `issue ok`, `transfer fail insufficient_tickets`. */
  counts: Record<string, number>;
}

/** Creates a raffle through the transport (not recorded: the history starts with it empty). */
async function createRaffle(transport: Transport, name: string): Promise<string> {
  const answer = await transport({
    op: -1,
    client: -1,
    call: httpCallFor('rest', 'createRaffle', { name }),
  });
  const body = JSON.parse(answer.body) as { id?: unknown };
  if (answer.status !== 201 || typeof body.id !== 'string') {
    throw new Error(`could not create a raffle: ${answer.status} ${answer.body.slice(0, 200)}`);
  }
  return body.id;
}

export async function recordLedgerHistory(
  options: RecordLedgerOptions,
): Promise<RecordLedgerResult> {
  const clients = options.clients ?? 64;
  const surfaces = options.surfaces ?? ['rest', 'trpc'];
  if (options.operations === undefined && options.durationMs === undefined) {
    throw new Error('recordLedgerHistory: give operations, durationMs or both');
  }
  const ownTransport =
    options.transport === undefined
      ? httpTransport({ baseUrl: options.baseUrl ?? '', timeoutMs: options.timeoutMs })
      : undefined;
  const transport = options.transport ?? (ownTransport as { send: Transport }).send;
  const recorder = options.recorder ?? new HistoryRecorder();
  const counts: Record<string, number> = {};
  try {
    const raffles: string[] = [];
    for (let i = 0; i < (options.raffles ?? 1); i += 1) {
      raffles.push(await createRaffle(transport, `history ${options.seed} #${i}`));
    }
    await ownTransport?.warmUp(clients);
    const operationsMax = options.operations ?? Number.POSITIVE_INFINITY;
    const startMs = performance.now();
    const deadlineMs = startMs + (options.durationMs ?? Number.POSITIVE_INFINITY);
    let started = 0;

    const runClient = async (client: number): Promise<void> => {
      const workload = new LedgerClientWorkload(
        raffles,
        (options.seed * 1_000_003 + client) >>> 0,
        options.workload,
      );
      const surface = surfaces[client % surfaces.length] as Surface;
      let lastNextCursor: string | null | undefined;
      while (started < operationsMax && performance.now() < deadlineMs) {
        started += 1;
        const call = workload.next(lastNextCursor);
        const completion = await performLedgerCall(recorder, transport, client, surface, call);
        const outcome =
          completion.type === 'fail'
            ? `${call.f} fail ${completion.value.reason}`
            : `${call.f} ${completion.type}`;
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        lastNextCursor =
          call.f === 'listParticipants' && completion.type === 'ok'
            ? (completion.value.nextCursor as string | null)
            : undefined;
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, client) => runClient(client)));
    return {
      recorder,
      raffles,
      operations: started,
      durationMs: performance.now() - startMs,
      counts,
    };
  } finally {
    ownTransport?.close();
  }
}
