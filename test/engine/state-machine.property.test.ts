import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StampedCommand } from '../../src/engine/commands.js';
import { asMutation, newStateMachine, type LedgerMutation } from '../support/ledger-commands.js';
import { ReferenceStateMachine } from '../support/reference-state-machine.js';

const limits = { rafflesMax: 3, participantsPerRaffleMax: 5 };
const names = ['ann', 'bo', 'cy', 'di', 'ed', 'fay', 'gus'];
const raffleIds = ['main', 'spring', 'ghost'];

const countArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }) },
  { weight: 1, arbitrary: fc.constant(Number.MAX_SAFE_INTEGER - 3) },
);

const plainMutationArb: fc.Arbitrary<LedgerMutation> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('configure' as const),
      limits: fc.record({
        rafflesMax: fc.integer({ min: 1, max: 3 }),
        participantsPerRaffleMax: fc.integer({ min: 1, max: 6 }),
        idempotencyKeysMax: fc.integer({ min: 1, max: 4 }),
        idempotencyTtlMs: fc.integer({ min: 0, max: 60 }),
        // Bytes never bind here (the reference does not know the answers' messages); the byte
        // bounds have their own property test against a model of the store.
        idempotencyBytesMax: fc.constant(1_048_576),
        idempotencyAnswerBytesMax: fc.constant(1_048_576),
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('createRaffle' as const),
      id: fc.option(fc.constantFrom(...raffleIds), { nil: undefined }),
      name: fc.constant('R'),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('issue' as const),
      raffleId: fc.constantFrom(...raffleIds),
      username: fc.constantFrom(...names),
      count: countArb,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('transfer' as const),
      raffleId: fc.constantFrom(...raffleIds),
      from: fc.constantFrom(...names),
      to: fc.constantFrom(...names),
      count: countArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('issueBulk' as const),
      raffleId: fc.constantFrom(...raffleIds),
      items: fc.array(fc.record({ username: fc.constantFrom(...names), count: countArb }), {
        maxLength: 4,
      }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('transferBulk' as const),
      raffleId: fc.constantFrom(...raffleIds),
      items: fc.array(
        fc.record({
          from: fc.constantFrom(...names),
          to: fc.constantFrom(...names),
          count: countArb,
        }),
        { maxLength: 4 },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('draw' as const),
      raffleId: fc.constantFrom(...raffleIds),
    }),
  },
);

/** A third of the mutations carry a key from a small pool, so keys are reused often. */
const mutationArb: fc.Arbitrary<LedgerMutation> = fc
  .tuple(
    plainMutationArb,
    fc.option(fc.constantFrom('k1', 'k2', 'k3'), { nil: undefined, freq: 2 }),
  )
  .map(([mutation, idempotencyKey]) =>
    idempotencyKey === undefined ? mutation : { ...mutation, idempotencyKey },
  );

function withoutMessages(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMessages);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'message')
      .map(([key, field]) => [key, withoutMessages(field)]),
  );
}

/** Every run starts with two raffles, so most commands reach a ledger. */
const setup: LedgerMutation[] = [
  { type: 'createRaffle', id: 'main', name: 'Main' },
  { type: 'createRaffle', id: 'spring', name: 'Spring' },
];
const setupSeed = new Uint8Array(16).fill(9);

const stepArb = fc.record({
  mutation: mutationArb,
  seed: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  /** Added to the previous step's time; now and then negative, as when a clock is set back. */
  elapsedMs: fc.oneof(
    { weight: 10, arbitrary: fc.integer({ min: 0, max: 20 }) },
    { weight: 1, arbitrary: fc.integer({ min: -40, max: 0 }) },
  ),
});

type Step = { mutation: LedgerMutation; seed: Uint8Array; elapsedMs: number };

function stampAll(steps: Step[]): StampedCommand[] {
  let atMs = 1_000;
  return steps.map((step, index) => {
    atMs += step.elapsedMs;
    return {
      seq: index + 1,
      atMs,
      seed:
        step.mutation.type === 'draw' || step.mutation.type === 'createRaffle'
          ? step.seed
          : undefined,
      command: asMutation(step.mutation),
    };
  });
}

describe('state machine against the reference model', () => {
  it('every outcome and the whole state agree after each command', () => {
    const outcomes = new Map<string, number>();
    let replays = 0;
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 10, maxLength: 120, size: 'max' }),
        (randomSteps) => {
          const steps = [
            ...setup.map((mutation) => ({ mutation, seed: setupSeed, elapsedMs: 0 })),
            ...randomSteps,
          ];
          const machine = newStateMachine(limits);
          const reference = new ReferenceStateMachine(limits);
          stampAll(steps).forEach((stamped, index) => {
            const actual = machine.apply(stamped);
            const expected = reference.apply(stamped);
            if (actual.ok) {
              expect(expected.ok).toBe(true);
              // Bulk results hold refusals; the reference gives reasons without messages.
              expect(withoutMessages(actual.value)).toEqual(
                expected.ok ? withoutMessages(expected.value) : undefined,
              );
            } else {
              expect(expected.ok ? 'ok' : expected.reason).toBe(actual.reason);
            }
            const kind = actual.ok ? `${stamped.command.type}:ok` : actual.reason;
            outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
            machine.checkInvariants();
            expect(machine.digestText()).toBe(reference.digestText(index + 1));
          });
          replays += reference.replays;
        },
      ),
      { numRuns: 400 },
    );
    // The generator must reach every outcome, or the comparison above proves less than it seems.
    expect([...outcomes.keys()].sort()).toEqual(
      [
        'createRaffle:ok',
        'issue:ok',
        'transfer:ok',
        'draw:ok',
        'raffle_not_found',
        'raffle_id_taken',
        'raffle_limit_reached',
        'participant_not_found',
        'participant_limit_reached',
        'transfer_to_self',
        'insufficient_tickets',
        'ticket_total_overflow',
        'raffle_empty',
        'configure:ok',
        'issueBulk:ok',
        'transferBulk:ok',
        'idempotency_key_reused',
      ].sort(),
    );
    expect(replays).toBeGreaterThan(50);
  });

  it('replaying the same stamped commands rebuilds the same state, bit for bit', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 10, maxLength: 80, size: 'max' }), (steps) => {
        const stamped = stampAll(steps);
        const first = newStateMachine(limits);
        const second = newStateMachine(limits);
        const firstOutcomes = stamped.map((command) => first.apply(command));
        const secondOutcomes = stamped.map((command) => second.apply(command));
        expect(secondOutcomes).toEqual(firstOutcomes);
        expect(second.digestText()).toBe(first.digestText());
      }),
      { numRuns: 200 },
    );
  });

  it('apply asserts that sequence numbers follow each other', () => {
    const machine = newStateMachine(limits);
    expect(() =>
      machine.apply({
        seq: 2,
        atMs: 0,
        command: { kind: 'ledger', type: 'draw', raffleId: 'main' },
      }),
    ).toThrow(/seq 2 follows 0/);
  });
});
