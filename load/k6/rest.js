/**
 * k6 load test of the REST API (`/api`, made by trpc-to-openapi).
 *
 * Each run creates its own raffle in `setup()`, drives the expected mix of operations against it
 * (mostly issues and transfers, few draws, some reads) and, in `teardown()`, walks the whole
 * participant listing and checks it against the raffle's figures. Thresholds on error rates,
 * checks, latency percentiles and invariant violations decide the exit code.
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 -e SCENARIO=mixed load/k6/rest.js
 *
 * SCENARIO is mixed (default), spike or soak; see load/README.md for every variable.
 */
import { buildOptions, checkInvariants, createClient, runIteration, setupRaffle } from './lib.js';

const client = createClient('rest');

export const options = buildOptions('rest');

export function setup() {
  return setupRaffle(client);
}

/** @param {{ raffleId: string }} data */
export default function (data) {
  runIteration(client, data.raffleId);
}

/** @param {{ raffleId: string }} data */
export function teardown(data) {
  checkInvariants(client, data.raffleId);
}
