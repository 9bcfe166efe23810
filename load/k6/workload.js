/**
 * The workload the service expects, shared by the k6 scripts and the Node runner (`npm run load`):
 * which operations, in what proportions, with what inputs, and which refusals are ordinary
 * business outcomes rather than failures.
 *
 * Plain data on purpose: k6 imports it as an ES module, the TypeScript runner through the
 * declarations in `workload.d.ts`. Issues and transfers dominate, draws are rare; participants
 * come from a fixed pool so that transfers mostly find a donor who holds tickets.
 */

/** Share of requests per operation, in percent (sums to 100). */
export const operationMix = {
  issue: 60,
  transfer: 30,
  draw: 2,
  listParticipants: 3,
  getParticipant: 3,
  getRaffle: 2,
};

/** Participants are named `u0` … `u<usernamePoolSize - 1>`. */
export const usernamePoolSize = 1000;

/** An issue gives 1 to `issueCountMax` tickets, a transfer moves 1 to `transferCountMax`. */
export const issueCountMax = 10;
export const transferCountMax = 5;

/** Page size of the listings in the mix (the invariant check reads pages of 1,000). */
export const listPageLimit = 100;

/**
 * Refusals that are expected outcomes under this workload, by operation: a transfer may pick a
 * donor who holds too few tickets or none, a draw may find the raffle empty at the start, a
 * lookup may name someone who holds nothing. Any other refusal is a failure of the run.
 */
/** @type {Record<string, string[]>} */
export const expectedRefusals = {
  issue: [],
  transfer: ['insufficient_tickets', 'participant_not_found'],
  draw: ['raffle_empty'],
  listParticipants: [],
  getParticipant: ['participant_not_found'],
  getRaffle: [],
};

/** Status of success per operation (draws answer 201 Created). */
export const successStatus = {
  issue: 200,
  transfer: 200,
  draw: 201,
  listParticipants: 200,
  getParticipant: 200,
  getRaffle: 200,
};

/**
 * A random whole number in [min, max].
 * @param {number} min
 * @param {number} max
 * @returns {number}
 */
export function randomInt(min, max) {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/**
 * A random participant name from the pool.
 * @returns {string}
 */
export function randomUsername() {
  return 'u' + randomInt(0, usernamePoolSize - 1);
}

/**
 * Two different random participant names from the pool, as a transfer needs.
 * @returns {{ from: string, to: string }}
 */
export function randomPair() {
  const from = randomInt(0, usernamePoolSize - 1);
  const to = (from + randomInt(1, usernamePoolSize - 1)) % usernamePoolSize;
  return { from: 'u' + from, to: 'u' + to };
}
