/**
 * The ledger model's `observesOnly`, which lets the linearizability search place a read or a
 * refusal without trying the alternatives, against a naive sequential ledger. Sequential
 * histories of issues, transfers, draws, reads and refusals are made by plain counters; then:
 *
 * - every operation the model calls observing leaves a fully known state exactly as it was, and
 *   every issue, transfer or draw that took effect is not called observing and does change it;
 * - an observation that changes nothing where it is moved to, earlier in the history, loses no
 *   linearization: the history with it moved is still accepted whole, from a known start and from
 *   an unknown one (a window), where earlier observations narrow the state instead.
 *
 * The second is the search's reason for placing such operations without a choice; a model step
 * for a read that widened the state, or a refusal that wrote, would break it. Seeds are fixed;
 * fast-check prints the failing case.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  firstParticipantCell,
  LedgerModelState,
  LedgerOpCode,
  LedgerResult,
  observesOnly,
  type LedgerModelOp,
} from '../../load/history/ledger-model.js';

interface Step {
  kind: 'issue' | 'transfer' | 'draw' | 'getParticipant' | 'getRaffle';
  a: number;
  b: number;
  count: number;
  /** Which ticket holder a draw picks, as a fraction of the total. */
  pick: number;
}

const participants = 3;

const stepArbitrary: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom(
    'issue',
    'issue',
    'transfer',
    'transfer',
    'draw',
    'getParticipant',
    'getRaffle',
  ),
  a: fc.integer({ min: 0, max: participants - 1 }),
  b: fc.integer({ min: 0, max: participants - 1 }),
  count: fc.integer({ min: 1, max: 3 }),
  pick: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
});

function op(
  code: LedgerOpCode,
  result: LedgerResult,
  fields: Partial<LedgerModelOp>,
): LedgerModelOp {
  return {
    invokeMs: 0,
    completeMs: 0,
    code,
    result,
    a: 0,
    b: 0,
    count: 0,
    out1: 0,
    out2: 0,
    out3: 0,
    ...fields,
  };
}

/** The operations a naive ledger answers for `steps`, in order, with their recorded outputs. */
function sequentialHistory(steps: readonly Step[]): LedgerModelOp[] {
  const held = new Array<number>(participants).fill(0);
  let total = 0;
  let draws = 0;
  const cell = (p: number) => firstParticipantCell + p;
  return steps.map((s) => {
    switch (s.kind) {
      case 'issue':
        held[s.a] = (held[s.a] as number) + s.count;
        total += s.count;
        return op(LedgerOpCode.Issue, LedgerResult.Ok, {
          a: cell(s.a),
          count: s.count,
          out1: held[s.a],
          out2: total,
        });
      case 'transfer': {
        const b = s.b === s.a ? (s.a + 1) % participants : s.b;
        const from = held[s.a] as number;
        const fields = { a: cell(s.a), b: cell(b), count: s.count };
        if (from === 0) return op(LedgerOpCode.Transfer, LedgerResult.NotFound, fields);
        if (from < s.count) return op(LedgerOpCode.Transfer, LedgerResult.Insufficient, fields);
        held[s.a] = from - s.count;
        held[b] = (held[b] as number) + s.count;
        return op(LedgerOpCode.Transfer, LedgerResult.Ok, {
          ...fields,
          out1: held[s.a],
          out2: held[b],
        });
      }
      case 'draw': {
        if (total === 0) return op(LedgerOpCode.Draw, LedgerResult.Empty, {});
        let ticket = Math.floor(s.pick * total);
        let winner = 0;
        while (ticket >= (held[winner] as number)) {
          ticket -= held[winner] as number;
          winner += 1;
        }
        const before = total;
        held[winner] = (held[winner] as number) - 1;
        total -= 1;
        draws += 1;
        return op(LedgerOpCode.Draw, LedgerResult.Ok, {
          a: cell(winner),
          out1: held[winner],
          out2: before,
          out3: draws,
        });
      }
      case 'getParticipant':
        return (held[s.a] as number) === 0
          ? op(LedgerOpCode.GetParticipant, LedgerResult.NotFound, { a: cell(s.a) })
          : op(LedgerOpCode.GetParticipant, LedgerResult.Ok, {
              a: cell(s.a),
              out1: held[s.a],
            });
      case 'getRaffle':
        return op(LedgerOpCode.GetRaffle, LedgerResult.Ok, {
          out1: total,
          out2: held.filter((n) => n > 0).length,
          out3: draws,
        });
    }
  });
}

const cells = firstParticipantCell + participants;

/** Whether the model accepts every operation of `ops` in order. */
function acceptsAll(ops: readonly LedgerModelOp[], knownStart: boolean): boolean {
  const state = new LedgerModelState(cells, knownStart);
  return ops.every((o) => state.apply(o));
}

describe('the ledger model: operations that only observe', () => {
  it('leave a known state as it was, and the writes that took effect are not among them', () => {
    const seed = 20261130;
    let observations = 0;
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 40 }), (steps) => {
        const state = new LedgerModelState(cells, true);
        for (const o of sequentialHistory(steps)) {
          const mark = state.mark();
          const hash = [state.hashA(), state.hashB()];
          expect(state.apply(o), `seed ${seed}`).toBe(true);
          if (observesOnly(o)) {
            observations += 1;
            expect(state.mark()).toBe(mark);
            expect([state.hashA(), state.hashB()]).toEqual(hash);
          } else {
            expect(o.result).toBe(LedgerResult.Ok);
            expect(state.mark()).toBeGreaterThan(mark);
          }
        }
      }),
      { seed, numRuns: 300 },
    );
    expect(observations).toBeGreaterThan(300);
  });

  it.each([
    ['a known start', true],
    ['an unknown start (a window)', false],
  ])('moved earlier where it changes nothing, lose no linearization, from %s', (_start, known) => {
    const seed = 20261131;
    let moved = 0;
    fc.assert(
      fc.property(
        fc.array(stepArbitrary, { minLength: 2, maxLength: 40 }),
        fc.nat(),
        fc.nat(),
        (steps, pickFrom, pickTo) => {
          const history = sequentialHistory(steps);
          expect(acceptsAll(history, known), `seed ${seed}`).toBe(true);
          const observing = history.flatMap((o, i) => (observesOnly(o) && i > 0 ? [i] : []));
          if (observing.length === 0) return;
          const from = observing[pickFrom % observing.length] as number;
          const to = pickTo % from;
          const state = new LedgerModelState(cells, known);
          for (const o of history.slice(0, to)) state.apply(o);
          const mark = state.mark();
          const observation = history[from] as LedgerModelOp;
          if (!state.apply(observation) || state.mark() !== mark) return;
          moved += 1;
          const reordered = [
            ...history.slice(0, to),
            observation,
            ...history.slice(to, from),
            ...history.slice(from + 1),
          ];
          expect(acceptsAll(reordered, known), `seed ${seed}: moved ${from} to ${to}`).toBe(true);
        },
      ),
      { seed, numRuns: 800 },
    );
    expect(moved).toBeGreaterThan(40);
  });
});
