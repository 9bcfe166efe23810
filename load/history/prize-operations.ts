/**
 * The operations of the prize kind as histories record them (kind `prize`, `raffle` the prize
 * raffle's id): their inputs, the outputs the checkers read, and the refusals that say something
 * about the state. The verification code a claim's answer shows is a secret: the recorder keeps it
 * in memory to verify the ticket later, and no history holds it.
 *
 * | f | input | ok output | refusals that tell something |
 * | --- | --- | --- | --- |
 * | `create` | `ticketCount`, `prizes` (how many) | `ticketCount` | |
 * | `claim` | `address` (the client address, as a short name) | `ticketNumber` | `already_participated`, `sold_out` |
 * | `draw` (operator) | | `winners` (ticket numbers, in prize order) | `tickets_remaining`, `already_drawn` |
 * | `get` | | `ticketCount`, `ticketsClaimed`, `status` | |
 * | `winners` | | `winners` | `not_drawn` |
 * | `verify` | `ticketNumber` (the code is left out) | `won`, `prize` (name or null) | `not_drawn`, `verification_failed` |
 */
import { object, wholeNumber } from './recorded-call.js';

export const prizeOperationNames = ['create', 'claim', 'draw', 'get', 'winners', 'verify'] as const;
export type PrizeOperationName = (typeof prizeOperationNames)[number];

export const informativePrizeRefusals: Readonly<Record<string, readonly string[]>> = {
  claim: ['already_participated', 'sold_out'],
  draw: ['tickets_remaining', 'already_drawn'],
  winners: ['not_drawn'],
  verify: ['not_drawn', 'verification_failed'],
};

export function isInformativePrizeRefusal(f: string, reason: unknown): boolean {
  return typeof reason === 'string' && (informativePrizeRefusals[f]?.includes(reason) ?? false);
}

function winnersOf(value: Record<string, unknown>): number[] {
  if (!Array.isArray(value.winners)) throw new Error('no winners');
  return value.winners.map((winner) => wholeNumber(object(winner).ticketNumber));
}

/** Condenses a successful answer to the history's output; throws when it lacks a field. */
export function condensePrizeOutput(
  f: PrizeOperationName,
  answer: unknown,
): Record<string, unknown> {
  const value = object(answer);
  switch (f) {
    case 'create':
      return { ticketCount: wholeNumber(value.ticketCount) };
    case 'claim':
      return { ticketNumber: wholeNumber(value.ticketNumber) };
    case 'draw':
    case 'winners':
      return { winners: winnersOf(value) };
    case 'get': {
      if (typeof value.status !== 'string') throw new Error('no status');
      return {
        ticketCount: wholeNumber(value.ticketCount),
        ticketsClaimed: wholeNumber(value.ticketsClaimed),
        status: value.status,
      };
    }
    case 'verify': {
      if (typeof value.won !== 'boolean') throw new Error('no verdict');
      const prize = value.prize === null ? null : String(object(value.prize).name);
      return { won: value.won, prize };
    }
  }
}
