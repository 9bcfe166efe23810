/**
 * The idempotency store against a plain list: random lookups and first answers of random sizes
 * (multibyte text included) at random times, under limits that change, keep exactly the records
 * the list keeps — bounded by age, by count and by bytes, the oldest forgotten first, an answer
 * over the per-answer bound kept as a bare record — and never more bytes or records than allowed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idempotencyRecordOverheadBytes } from '../../src/config/limits.js';
import type { StateLimits } from '../../src/engine/commands.js';
import { IdempotencyStore, recordOf } from '../../src/engine/idempotency.js';

interface ModelRecord {
  key: string;
  fingerprint: string;
  atMs: number;
  answer: string | undefined;
  bytes: number;
}

/** The list: oldest first, every bound enforced by a plain scan. */
class Model {
  records: ModelRecord[] = [];

  lookup(key: string, atMs: number, limits: StateLimits): ModelRecord | undefined {
    const horizon = atMs - limits.idempotencyTtlMs;
    while (this.records.length > 0 && this.records[0]!.atMs <= horizon) this.records.shift();
    const found = this.records.find((record) => record.key === key);
    if (found !== undefined && found.atMs <= horizon) {
      this.records = this.records.filter((record) => record !== found);
      return undefined;
    }
    return found;
  }

  remember(record: ModelRecord, limits: StateLimits): void {
    this.records.push(record);
    this.trim(limits);
  }

  trim(limits: StateLimits): void {
    const cost = (record: ModelRecord) =>
      idempotencyRecordOverheadBytes + (record.answer === undefined ? 0 : record.bytes);
    const total = () => this.records.reduce((sum, record) => sum + cost(record), 0);
    while (
      this.records.length > limits.idempotencyKeysMax ||
      total() > limits.idempotencyBytesMax
    ) {
      this.records.shift();
    }
  }
}

const limitsArb = fc.record({
  rafflesMax: fc.constant(1),
  participantsPerRaffleMax: fc.constant(1),
  idempotencyKeysMax: fc.integer({ min: 0, max: 8 }),
  idempotencyTtlMs: fc.integer({ min: 0, max: 50 }),
  idempotencyBytesMax: fc.integer({ min: idempotencyRecordOverheadBytes, max: 2_000 }),
  idempotencyAnswerBytesMax: fc.integer({ min: 0, max: 600 }),
});

const stepArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      step: fc.constant('keyed' as const),
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'),
      content: fc.constantFrom('x', 'y'),
      // Answers of every size around the bounds, some in multibyte text.
      text: fc.string({ unit: fc.constantFrom('a', 'é', '€', '𝔘', '"'), maxLength: 220 }),
      advanceMs: fc.integer({ min: 0, max: 9 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ step: fc.constant('configure' as const), limits: limitsArb }),
  },
);

describe('idempotency store against a list', () => {
  it('keeps the same records, within every bound', () => {
    fc.assert(
      fc.property(limitsArb, fc.array(stepArb, { maxLength: 60 }), (initial, steps) => {
        let limits: StateLimits = initial;
        const store = new IdempotencyStore();
        const model = new Model();
        let atMs = 0;
        let seq = 0;
        for (const step of steps) {
          if (step.step === 'configure') {
            limits = step.limits;
            store.trim(limits);
            model.trim(limits);
          } else {
            atMs += step.advanceMs;
            seq += 1;
            const fingerprint = `fp-${step.content}`;
            const found = store.lookup(step.key, 'k', fingerprint, atMs, limits);
            const expected = model.lookup(step.key, atMs, limits);
            expect(found.found).toBe(expected !== undefined);
            if (found.found) {
              expect(found.sameRequest).toBe(expected?.fingerprint === fingerprint);
              expect(found.record.answer).toBe(expected?.answer);
            } else {
              const outcome = { ok: true as const, value: step.text };
              const record = recordOf({ kind: 'k', fingerprint, outcome, atMs, seq }, limits);
              store.remember(step.key, record, limits);
              const text = JSON.stringify(outcome);
              const bytes = Buffer.byteLength(text);
              const fits =
                bytes <= limits.idempotencyAnswerBytesMax &&
                bytes + idempotencyRecordOverheadBytes <= limits.idempotencyBytesMax;
              expect(record.answerBytes).toBe(bytes);
              model.remember(
                { key: step.key, fingerprint, atMs, answer: fits ? text : undefined, bytes },
                limits,
              );
            }
          }
          const kept = [...store.entries()].map(([key, record]) => [key, record.answer]);
          expect(kept).toEqual(model.records.map((record) => [record.key, record.answer]));
          expect(store.size).toBeLessThanOrEqual(limits.idempotencyKeysMax);
          expect(store.bytes).toBeLessThanOrEqual(limits.idempotencyBytesMax);
        }
      }),
      { seed: 20_261_129, numRuns: 300 },
    );
  });
});
