/**
 * Properties of the linearizability checker against histories made by a sequential model of the
 * ledger with random concurrency windows (load/history/synthetic-ledger.ts): every such history
 * is linearizable by construction, including those with operations of unknown outcome, and
 * changing a single number of a single answer makes nearly all of them not linearizable. Seeds are
 * fixed; fast-check prints the failing case and its seed, the mutation loop its run number. The
 * two properties are written once, for every kind, in test/support/linearizability-properties.ts.
 */
import { describe } from 'vitest';
import { pairOperations, type Operation } from '../../load/history/events.js';
import { syntheticLedgerHistory } from '../../load/history/synthetic-ledger.js';
import {
  itCatchesOneChangedNumber,
  itIsLinearizableByConstruction,
} from '../support/linearizability-properties.js';

const history = (seed: number, clients: number, operations: number, infoRate = 0): Operation[] =>
  pairOperations(
    syntheticLedgerHistory({ seed, clients, operations, infoRate, workload: { participants: 6 } }),
  );

/**
 * The numbers of an answer that the model checks (a figures read's participant count is not one:
 * see ledger-model.ts).
 */
const checkedFields: Record<string, string[]> = {
  issue: ['tickets', 'totalTickets'],
  transfer: ['fromTickets', 'toTickets'],
  draw: ['ticketsLeft', 'totalTicketsBefore', 'drawId'],
  getParticipant: ['tickets'],
  getRaffle: ['totalTickets', 'drawCount'],
};

describe('linearizability: properties', () => {
  itIsLinearizableByConstruction(
    'a history of a sequential ledger with concurrency windows is linearizable',
    history,
    { seed: 20261129, numRuns: 150, operationsMax: 150 },
  );

  // Some changes go unseen: a balance read while it may also have held the changed value, or
  // a last answer nothing later contradicts.
  itCatchesOneChangedNumber(
    'changing one number of one answer makes nearly every history not linearizable',
    {
      runs: 150,
      historyOf: (run) => history(1_000 + run, 2 + (run % 7), 40 + (run % 5) * 20),
      numbersOf: (op) => (checkedFields[op.f] ?? []).map((field) => [field]),
      caughtMin: 0.85,
    },
  );
});
