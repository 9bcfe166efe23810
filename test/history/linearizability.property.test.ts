/**
 * Properties of the linearizability checker against histories made by a sequential model of the
 * ledger with random concurrency windows (load/history/synthetic-ledger.ts): every such history
 * is linearizable by construction, including those with operations of unknown outcome, and
 * changing a single number of a single answer makes nearly all of them not linearizable. Seeds are
 * fixed; fast-check prints the failing case and its seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairOperations, type Operation } from '../../load/history/events.js';
import { checkLinearizability } from '../../load/history/linearizability.js';
import { seededRandom } from '../../load/history/random.js';
import { syntheticLedgerHistory } from '../../load/history/synthetic-ledger.js';

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

/** Changes one checked number of one answer by ±1 or ±2 (staying non-negative); false if none. */
function mutateOne(operations: Operation[], seed: number): boolean {
  const random = seededRandom(seed);
  const candidates = operations.filter(
    (op) => op.completion === 'ok' && checkedFields[op.f] !== undefined,
  );
  if (candidates.length === 0) return false;
  const op = candidates[Math.floor(random() * candidates.length)] as Operation;
  const fields = checkedFields[op.f] as string[];
  const field = fields[Math.floor(random() * fields.length)] as string;
  const value = op.output[field] as number;
  const steps = [-2, -1, 1, 2].filter((step) => value + step >= 0);
  op.output = {
    ...op.output,
    [field]: value + (steps[Math.floor(random() * steps.length)] as number),
  };
  return true;
}

describe('linearizability: properties', () => {
  it('a history of a sequential ledger with concurrency windows is linearizable', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 150 }),
        fc.constantFrom(0, 0, 0.03, 0.1),
        (seed, clients, operations, infoRate) => {
          const report = checkLinearizability(history(seed, clients, operations, infoRate));
          expect(report.valid).toBe(true);
        },
      ),
      { seed: 20261129, numRuns: 150 },
    );
  });

  it('changing one number of one answer makes nearly every history not linearizable', () => {
    const runs = 150;
    let caught = 0;
    let mutated = 0;
    for (let run = 0; run < runs; run += 1) {
      const operations = history(1_000 + run, 2 + (run % 7), 40 + (run % 5) * 20);
      if (!mutateOne(operations, run)) continue;
      mutated += 1;
      if (checkLinearizability(operations).valid === false) caught += 1;
    }
    expect(mutated).toBeGreaterThan(runs * 0.9);
    // Some changes go unseen: a balance read while it may also have held the changed value, or
    // a last answer nothing later contradicts.
    expect(caught / mutated).toBeGreaterThan(0.85);
  });
});
