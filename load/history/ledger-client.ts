/**
 * One ledger operation over REST or tRPC, recorded (recorded-call.ts says how answers are
 * classified): the route of each ledger operation and how its answer is condensed to the fields
 * of ledger-operations.ts.
 */
import { httpCallFor, type RoutedOperation, type Surface } from '../runner/surfaces.js';
import type { LedgerOperationName } from './ledger-operations.js';
import {
  object,
  performRecordedCall,
  wholeNumber,
  type RecordedCompletion,
} from './recorded-call.js';
import type { HistoryRecorder } from './recorder.js';
import type { Transport } from './transport.js';

export type { RecordedCompletion };

export interface LedgerCall {
  raffle: string;
  f: LedgerOperationName;
  input: Record<string, unknown>;
}

const routeOf: Record<LedgerOperationName, RoutedOperation> = {
  issue: 'issue',
  transfer: 'transfer',
  draw: 'draw',
  getParticipant: 'getParticipant',
  getRaffle: 'getRaffle',
  listParticipants: 'listParticipants',
};

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
  return performRecordedCall(recorder, transport, client, surface, {
    kind: 'ledger',
    raffle: call.raffle,
    f: call.f,
    input: call.input,
    wire: httpCallFor(surface, routeOf[call.f], wireInput),
    condense: (answer) => condenseOutput(call.f, answer),
  });
}
