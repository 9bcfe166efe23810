/**
 * Properties of the prize and campaign models of the linearizability checker against naive
 * sequential models of the two kinds with random concurrency windows (test/support/synthetic-kinds.ts):
 * every such history is linearizable by construction, including those with operations of unknown
 * outcome; and changing one number of one answer makes nearly all of them not linearizable. Seeds
 * are fixed; fast-check prints the failing case and its seed, the mutation loop its run number.
 * The two properties are written once, for every kind, in test/support/linearizability-properties.ts.
 */
import { describe } from 'vitest';
import { pairOperations, type Operation } from '../../load/history/events.js';
import {
  itCatchesOneChangedNumber,
  itIsLinearizableByConstruction,
} from '../support/linearizability-properties.js';
import { syntheticCampaignHistory, syntheticPrizeHistory } from '../support/synthetic-kinds.js';

const kinds = {
  prize: (seed: number, clients: number, operations: number, infoRate = 0) =>
    pairOperations(syntheticPrizeHistory({ seed, clients, operations, infoRate })),
  campaign: (seed: number, clients: number, operations: number, infoRate = 0) =>
    pairOperations(syntheticCampaignHistory({ seed, clients, operations, infoRate })),
};

/** Where a one-number change lands: a path into an ok answer, per operation. */
function numbersOf(op: Operation): string[][] {
  const o = op.output;
  switch (op.f) {
    case 'claim':
      return [['ticketNumber']];
    case 'get':
      return op.kind === 'prize'
        ? [['ticketsClaimed']]
        : [
            ['drawCount'],
            ['phoneCount'],
            ...(o.prizes as unknown[]).flatMap((_, i) => [
              ['prizes', String(i), 'wonTotal'],
              ['prizes', String(i), 'wonToday'],
            ]),
          ];
    case 'draw':
      return op.kind === 'campaign' ? [['drawId']] : [];
    case 'phoneDraws':
      return [['drawCount']];
    default:
      return [];
  }
}

describe.each(Object.entries(kinds))('the %s model: properties', (_kind, history) => {
  itIsLinearizableByConstruction(
    'a history of the naive sequential model with concurrency windows is linearizable',
    history,
    { seed: 20261130, numRuns: 120, operationsMax: 120 },
  );

  // Some changes go unseen: a count read while a concurrent write may or may not have landed,
  // or a ticket number that no other answer names.
  itCatchesOneChangedNumber(
    'changing one number of one answer makes nearly every history not linearizable',
    {
      runs: 120,
      historyOf: (run) => history(2_000 + run, 2 + (run % 6), 40 + (run % 4) * 20),
      numbersOf,
      caughtMin: 0.75,
    },
  );
});
