/**
 * The two properties every model of the linearizability checker is held to, for the property
 * tests of each kind (test/history/*.property.test.ts): a history made by a sequential model with
 * random concurrency windows is linearizable by construction, and changing one checked number of
 * one answer makes nearly every such history not linearizable. A kind brings its history maker,
 * the numbers of an answer its model checks, and how many mutations it must catch; the bar is the
 * kind's, since some changes are invisible by nature (a read that may have seen either value).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Operation } from '../../load/history/events.js';
import { checkLinearizability } from '../../load/history/linearizability.js';
import { seededRandom } from '../../load/history/random.js';

/** Paired operations of a synthetic history of `operations` operations from `clients` clients. */
export type HistoryMaker = (
  seed: number,
  clients: number,
  operations: number,
  infoRate?: number,
) => Operation[];

/** Where a one-number change may land in an ok answer: paths into its output. */
export type NumbersOf = (op: Operation) => string[][];

/** Changes one checked number of one answer by ±1 or ±2 (staying non-negative); false if none. */
export function mutateOneNumber(operations: Operation[], seed: number, numbersOf: NumbersOf) {
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

/** Histories of 1 to `operationsMax` operations, some of unknown outcome: all linearizable. */
export function itIsLinearizableByConstruction(
  title: string,
  history: HistoryMaker,
  run: { seed: number; numRuns: number; operationsMax: number },
): void {
  it(title, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: run.operationsMax }),
        fc.constantFrom(0, 0, 0.03, 0.1),
        (seed, clients, operations, infoRate) => {
          const report = checkLinearizability(history(seed, clients, operations, infoRate));
          expect(report.valid).toBe(true);
        },
      ),
      { seed: run.seed, numRuns: run.numRuns },
    );
  });
}

/**
 * `runs` histories (`historyOf(run)`), each with one number changed (`numbersOf`): nearly all
 * must mutate, and more than `caughtMin` of those mutated be found not linearizable; the runs
 * whose change went unseen are printed on failure.
 */
export function itCatchesOneChangedNumber(
  title: string,
  mutation: {
    runs: number;
    historyOf: (run: number) => Operation[];
    numbersOf: NumbersOf;
    caughtMin: number;
  },
): void {
  it(title, () => {
    let caught = 0;
    let mutated = 0;
    const missed: number[] = [];
    for (let run = 0; run < mutation.runs; run += 1) {
      const operations = mutation.historyOf(run);
      if (!mutateOneNumber(operations, run, mutation.numbersOf)) continue;
      mutated += 1;
      if (checkLinearizability(operations).valid === false) caught += 1;
      else missed.push(run);
    }
    expect(mutated).toBeGreaterThan(mutation.runs * 0.9);
    const unseen = `runs whose change went unseen: ${missed.join(', ')}`;
    expect(caught / mutated, unseen).toBeGreaterThan(mutation.caughtMin);
  });
}
