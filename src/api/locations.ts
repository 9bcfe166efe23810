/**
 * Where each creation can be read back: the `Location` header of a 201 answer, by procedure.
 *
 * This table is also the list of creations: a procedure answers 201 exactly when it has an entry
 * here (`createdProcedurePaths`), so a new creation cannot answer 201 without its `Location`.
 * Each entry builds the path from the request's raw input (path parameters) and the answer.
 * Creations without an address of their own point at the page or resource that shows them: a
 * ledger draw at the one-item history page that holds it, a campaign draw at the phone's draws
 * (operators), a prize claim at its raffle, a prize draw at the winners.
 */
import { cursorAfter } from './paging.js';

type Fields = Record<string, unknown>;
type Locate = (input: Fields, output: Fields) => string;

const segment = (value: unknown): string => encodeURIComponent(String(value));

export const creationLocations: Readonly<Record<string, Locate>> = {
  'raffles.create': (_input, output) => `/api/raffles/${segment(output.id)}`,
  'draws.create': (input, output) => {
    const raffleId = String(input.raffleId);
    const cursor = cursorAfter(Number(output.drawId) - 1 || undefined, 'draws', raffleId);
    const query = cursor === null ? 'limit=1' : `limit=1&cursor=${segment(cursor)}`;
    return `/api/raffles/${segment(raffleId)}/draws?${query}`;
  },
  'campaigns.create': (_input, output) => `/api/campaigns/${segment(output.id)}`,
  'campaigns.draw': (_input, output) =>
    `/api/campaigns/${segment(output.campaignId)}/draws?phone=${segment(output.phone)}`,
  'prizeRaffles.create': (_input, output) => `/api/prize-raffles/${segment(output.id)}`,
  'prizeRaffles.claim': (_input, output) => `/api/prize-raffles/${segment(output.raffleId)}`,
  'prizeRaffles.draw': (input) => `/api/prize-raffles/${segment(input.id)}/winners`,
};

/** Procedures whose success answers 201 Created instead of 200. */
export const createdProcedurePaths: ReadonlySet<string> = new Set(Object.keys(creationLocations));

/** The `Location` of a creation's answer, or undefined for any other procedure. */
export function locationOf(path: string, input: unknown, output: unknown): string | undefined {
  const locate = creationLocations[path];
  if (locate === undefined || typeof output !== 'object' || output === null) return undefined;
  const fields = typeof input === 'object' && input !== null ? (input as Fields) : {};
  return locate(fields, output as Fields);
}
