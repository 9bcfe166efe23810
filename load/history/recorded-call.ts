/**
 * One operation of any kind over REST or tRPC, recorded: the invocation before the request leaves,
 * the completion once the answer is read, classified as `ok`, `fail` or `info`.
 *
 * Classification follows what each answer proves. A 2xx answer is `ok`, condensed by the kind to
 * the fields its checkers read (never a secret: codes stay in the recorder's memory). A 4xx, and a
 * 503 (the queue refused the command before applying it), is `fail`: the operation certainly did
 * not take effect, and its reason is kept because some refusals describe the state. Any other 5xx,
 * an answer that cannot be read, a timeout or a broken connection is `info`: the service may have
 * applied the operation, so a checker must allow both. So is a 503 `storage_failed`: the batch
 * whose fdatasync failed was written, and may be on disk and recovered after the restart, though
 * it was never acknowledged.
 */
import { answerOf, type HttpCall, type Surface } from '../runner/surfaces.js';
import type { HistoryRecorder } from './recorder.js';
import type { Transport } from './transport.js';

export type RecordedCompletion =
  | { type: 'ok'; value: Record<string, unknown> }
  | { type: 'fail'; value: { reason: string; status: number } }
  | { type: 'info'; value: { error: string } };

/** Condenses a successful answer to the history's output; throws when it lacks a field. */
export type Condense = (answer: unknown) => Record<string, unknown>;

export interface RecordedCall {
  kind: string;
  raffle: string;
  f: string;
  /** The input as the history records it (secrets hashed or left out). */
  input: Record<string, unknown>;
  /** The request as it goes over the wire. */
  wire: HttpCall;
  headers?: Record<string, string> | undefined;
  condense: Condense;
}

/** What the client learns: how the operation completed and, when ok, the whole answer. */
export type CallOutcome = RecordedCompletion & { answer?: unknown };

export function object(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

export function wholeNumber(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error('not a number');
  return value;
}

/** What an HTTP answer proves about the operation (see the file's opening paragraph). */
export function classifyAnswer(
  condense: Condense,
  surface: Surface,
  status: number,
  body: string,
): CallOutcome {
  const answer = answerOf(surface, status, body);
  if (status >= 200 && status < 300) {
    try {
      return { type: 'ok', value: condense(answer.value), answer: answer.value };
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
export async function performRecordedCall(
  recorder: HistoryRecorder,
  transport: Transport,
  client: number,
  surface: Surface,
  call: RecordedCall,
): Promise<CallOutcome> {
  const op = recorder.invoke({
    client,
    kind: call.kind,
    raffle: call.raffle,
    f: call.f,
    value: call.input,
    surface,
  });
  let outcome: CallOutcome;
  try {
    const answer = await transport({ op, client, call: call.wire, headers: call.headers });
    outcome = classifyAnswer(call.condense, surface, answer.status, answer.body);
  } catch (error) {
    outcome = {
      type: 'info',
      value: { error: error instanceof Error ? error.message : String(error) },
    };
  }
  recorder.complete(op, client, outcome.type, outcome.value);
  return outcome;
}
