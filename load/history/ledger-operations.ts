/**
 * The operations of the ledger kind as histories record them: their names, inputs and the outputs
 * the checkers read. One place says what each field means, so the recorder, the synthetic
 * generator, the linearizability model and the conservation law agree.
 *
 * Outputs are condensed from the service's answers: a listing page is kept as its count, sum and
 * smallest balance rather than every entry, so a history of a million operations stays small.
 *
 * | f | input | ok output | fail reasons that tell something |
 * | --- | --- | --- | --- |
 * | `issue` | `username, count` | `tickets` (after), `totalTickets` (after) | |
 * | `transfer` | `from, to, count` | `fromTickets`, `toTickets` (after) | `participant_not_found` (donor holds none), `insufficient_tickets` (fewer than count) |
 * | `draw` | | `drawId`, `username` (winner), `ticketsLeft`, `totalTicketsBefore` | `raffle_empty` |
 * | `getParticipant` | `username` | `tickets` | `participant_not_found` (holds none) |
 * | `getRaffle` | | `totalTickets`, `participantCount`, `drawCount` | |
 * | `listParticipants` | `limit`, `cursor?`, `walk`, `page` | `count`, `sum`, `min`, `nextCursor` | |
 *
 * A listing walk is the pages one client reads in a row from no cursor to `nextCursor: null`;
 * `walk` numbers it within the client and `page` counts from 0.
 */
export const ledgerOperationNames = [
  'issue',
  'transfer',
  'draw',
  'getParticipant',
  'getRaffle',
  'listParticipants',
] as const;

export type LedgerOperationName = (typeof ledgerOperationNames)[number];

export interface IssueInput {
  username: string;
  count: number;
}
export interface IssueOutput {
  tickets: number;
  totalTickets: number;
}
export interface TransferInput {
  from: string;
  to: string;
  count: number;
}
export interface TransferOutput {
  fromTickets: number;
  toTickets: number;
}
export interface DrawOutput {
  drawId: number;
  username: string;
  ticketsLeft: number;
  totalTicketsBefore: number;
}
export interface GetParticipantInput {
  username: string;
}
export interface GetParticipantOutput {
  tickets: number;
}
export interface GetRaffleOutput {
  totalTickets: number;
  participantCount: number;
  drawCount: number;
}
export interface ListParticipantsInput {
  limit: number;
  cursor?: string | undefined;
  walk: number;
  page: number;
}
export interface ListParticipantsOutput {
  count: number;
  sum: number;
  /** Smallest balance on the page (0 when the page is empty). */
  min: number;
  nextCursor: string | null;
}

/** Refusals that depend on the state, so a model can check them; any other refusal says nothing. */
export const informativeRefusals: Readonly<Record<string, readonly string[]>> = {
  transfer: ['participant_not_found', 'insufficient_tickets'],
  draw: ['raffle_empty'],
  getParticipant: ['participant_not_found'],
};

export function isInformativeRefusal(f: string, reason: unknown): boolean {
  return typeof reason === 'string' && (informativeRefusals[f]?.includes(reason) ?? false);
}
