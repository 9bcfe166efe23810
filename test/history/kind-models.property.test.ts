/**
 * Properties of the prize and campaign models of the linearizability checker against naive
 * sequential models of the two kinds with random concurrency windows (test/support/synthetic-kinds.ts):
 * every such history is linearizable by construction, including those with operations of unknown
 * outcome; and changing one number of one answer makes nearly all of them not linearizable. Seeds
 * are fixed; fast-check prints the failing case and its seed, the mutation loop its run number.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairOperations, type Operation } from '../../load/history/events.js';
import { checkLinearizability } from '../../load/history/linearizability.js';
import { seededRandom } from '../../load/history/random.js';
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

/** Changes one checked number of one answer by ±1 or ±2 (staying non-negative); false if none. */
function mutateOne(operations: Operation[], seed: number): boolean {
  const random = seededRandom(seed);
  const candidates = operations.filter((op) => op.completion === 'ok' && numbersOf(op).length > 0);
  if (candidates.length === 0) return false;
  const op = candidates[Math.floor(random() * candidates.length)] as Operation;
  const paths = numbersOf(op);
  const path = paths[Math.floor(random() * paths.length)] as string[];
  op.output = structuredClone(op.output);
  let holder = op.output as Record<string, any>;
  for (const key of path.slice(0, -1)) holder = holder[key];
  const field = path.at(-1) as string;
  const value = holder[field] as number;
  const steps = [-2, -1, 1, 2].filter((step) => value + step >= 0);
  holder[field] = value + (steps[Math.floor(random() * steps.length)] as number);
  return true;
}

describe.each(Object.entries(kinds))('the %s model: properties', (_kind, history) => {
  it('a history of the naive sequential model with concurrency windows is linearizable', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 120 }),
        fc.constantFrom(0, 0, 0.03, 0.1),
        (seed, clients, operations, infoRate) => {
          const report = checkLinearizability(history(seed, clients, operations, infoRate));
          expect(report.valid).toBe(true);
        },
      ),
      { seed: 20261130, numRuns: 120 },
    );
  });

  it('changing one number of one answer makes nearly every history not linearizable', () => {
    const runs = 120;
    let caught = 0;
    let mutated = 0;
    const missed: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const operations = history(2_000 + run, 2 + (run % 6), 40 + (run % 4) * 20);
      if (!mutateOne(operations, run)) continue;
      mutated += 1;
      if (checkLinearizability(operations).valid === false) caught += 1;
      else missed.push(run);
    }
    expect(mutated).toBeGreaterThan(runs * 0.9);
    // Some changes go unseen: a count read while a concurrent write may or may not have landed,
    // or a ticket number that no other answer names.
    expect(caught / mutated, `runs whose change went unseen: ${missed.join(', ')}`).toBeGreaterThan(
      0.75,
    );
  });
});
