/**
 * One ledger operation over REST or tRPC, recorded: the invocation before the request leaves, the
 * completion once the answer is read, classified as `ok`, `fail` or `info`.
 *
 * Classification follows what each answer proves. A 2xx answer is `ok`, condensed to the fields
 * of ledger-operations.ts. A 4xx, and a 503 (the queue refused the command before applying it),
 * is `fail`: the operation certainly did not take effect, and its reason is kept because some
 * refusals describe the state. Any other 5xx, an answer that cannot be read, a timeout or a broken
 * connection is `info`: the service may have applied the operation, so a checker must allow both.
 * So is a 503 `storage_failed`: the batch whose fdatasync failed was written, and may be on disk
 * and recovered after the restart, though it was never acknowledged.
 */
import { answerOf, httpCallFor, type RoutedOperation, type Surface } from '../runner/surfaces.js';
import type { LedgerOperationName } from './ledger-operations.js';
import type { HistoryRecorder } from './recorder.js';
import type { Transport } from './transport.js';

export interface LedgerCall {
  raffle: string;
  f: LedgerOperationName;
  input: Record<string, unknown>;
}

export type RecordedCompletion =
  | { type: 'ok'; value: Record<string, unknown> }
  | { type: 'fail'; value: { reason: string; status: number } }
  | { type: 'info'; value: { error: string } };

const routeOf: Record<LedgerOperationName, RoutedOperation> = {
  issue: 'issue',
  transfer: 'transfer',
  draw: 'draw',
  getParticipant: 'getParticipant',
  getRaffle: 'getRaffle',
  listParticipants: 'listParticipants',
};

function object(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function wholeNumber(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error('not a number');
  return value;
}

/** Condenses a successful answer to the history's output; throws when it lacks a field. */
export function condenseOutput(f: LedgerOperationName, answer: unknown): Record<string, unknown> {
  const value = object(answer);
  switch (f) {
    case 'issue':
      return { tickets: wholeNumber(value.tickets), totalTickets: wholeNumber(value.totalTickets) };
    case 'transfer':
      return {
        fromTickets: wholeNumber(object(value.from).tickets),
        toTickets: wholeNumber(object(value.to).tickets),
      };
    case 'draw': {
      if (typeof value.username !== 'string') throw new Error('no winner');
      return {
        drawId: wholeNumber(value.drawId),
        username: value.username,
        ticketsLeft: wholeNumber(value.ticketsLeft),
        totalTicketsBefore: wholeNumber(value.totalTicketsBefore),
      };
    }
    case 'getParticipant':
      return { tickets: wholeNumber(value.tickets) };
    case 'getRaffle':
      return {
        totalTickets: wholeNumber(value.totalTickets),
        participantCount: wholeNumber(value.participantCount),
        drawCount: wholeNumber(value.drawCount),
      };
    case 'listParticipants': {
      if (!Array.isArray(value.participants)) throw new Error('no participants');
      let sum = 0;
      let min = 0;
      value.participants.forEach((entry, index) => {
        const tickets = wholeNumber(object(entry).tickets);
        sum += tickets;
        min = index === 0 ? tickets : Math.min(min, tickets);
      });
      const next = value.nextCursor;
      if (next !== null && typeof next !== 'string') throw new Error('bad cursor');
      return { count: value.participants.length, sum, min, nextCursor: next };
    }
  }
}

/** What an HTTP answer proves about the operation (see the file's opening paragraph). */
export function classifyAnswer(
  f: LedgerOperationName,
  surface: Surface,
  status: number,
  body: string,
): RecordedCompletion {
  const answer = answerOf(surface, status, body);
  if (status >= 200 && status < 300) {
    try {
      return { type: 'ok', value: condenseOutput(f, answer.value) };
    } catch (error) {
      return { type: 'info', value: { error: `unreadable ${status} answer: ${String(error)}` } };
    }
  }
  if (status === 503 && answer.reason === 'storage_failed') {
    return { type: 'info', value: { error: 'status 503 storage_failed' } };
  }
  if ((status >= 400 && status < 500) || status === 503) {
    return { type: 'fail', value: { reason: answer.reason ?? `status_${status}`, status } };
  }
  return { type: 'info', value: { error: `status ${status} ${answer.reason ?? ''}`.trim() } };
}

/** Runs one operation through `transport` and records it; resolves with how it completed. */
export async function performLedgerCall(
  recorder: HistoryRecorder,
  transport: Transport,
  client: number,
  surface: Surface,
  call: LedgerCall,
): Promise<RecordedCompletion> {
  const wireInput: Record<string, unknown> = { raffleId: call.raffle };
  for (const [key, value] of Object.entries(call.input)) {
    // The walk and page numbers are the history's bookkeeping, not the service's input.
    if (key !== 'walk' && key !== 'page' && value !== undefined) wireInput[key] = value;
  }
  const httpCall = httpCallFor(surface, routeOf[call.f], wireInput);
  const op = recorder.invoke({
    client,
    kind: 'ledger',
    raffle: call.raffle,
    f: call.f,
    value: call.input,
    surface,
  });
  let completion: RecordedCompletion;
  try {
    const answer = await transport({ op, client, call: httpCall });
    completion = classifyAnswer(call.f, surface, answer.status, answer.body);
  } catch (error) {
    completion = {
      type: 'info',
      value: { error: error instanceof Error ? error.message : String(error) },
    };
  }
  recorder.complete(op, client, completion.type, completion.value);
  return completion;
}
