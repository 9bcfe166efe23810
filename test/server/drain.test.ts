/**
 * The drain's bookkeeping of unanswered requests against a naive model (a set of the admitted
 * answers not yet closed): random sequences of admissions, answers in any order, repeated closes,
 * a second admission of an unanswered request, and the start of the drain at a random point, drawn
 * by fast-check with a fixed seed. At the start, exactly the unanswered answers whose headers are not sent get
 * `Connection: close`; `start()` resolves exactly when the last of them closes (at once when none
 * is left); a request admitted while draining is refused with 503 and not counted.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Drain } from '../../src/server/drain.js';

/** What the drain touches of an answer: its headers, whether they went out, `close` and `end`. */
class FakeAnswer extends EventEmitter {
  readonly headers = new Map<string, string>();
  headersSent = false;
  statusCode = 200;
  ended = false;
  setHeader(name: string, value: string | number): this {
    this.headers.set(name.toLowerCase(), String(value));
    return this;
  }
  end(): this {
    this.ended = true;
    this.headersSent = true;
    return this;
  }
}

const request = { url: '/api/raffles/main/tickets' } as IncomingMessage;

type Step =
  | { op: 'admit' }
  | { op: 'send'; pick: number }
  | { op: 'close'; pick: number }
  | { op: 'readmit'; pick: number }
  | { op: 'start' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Step>({ op: 'admit' }) },
  { weight: 2, arbitrary: fc.nat(40).map((pick): Step => ({ op: 'send', pick })) },
  { weight: 4, arbitrary: fc.nat(40).map((pick): Step => ({ op: 'close', pick })) },
  { weight: 1, arbitrary: fc.nat(40).map((pick): Step => ({ op: 'readmit', pick })) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'start' }) },
);

describe('Drain', () => {
  it('counts, marks and waits for exactly the unanswered requests (model-checked)', async () => {
    const seed = 20_261_130;
    let startedWithSome = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 80 }), async (steps) => {
        const drain = new Drain();
        const answers: FakeAnswer[] = [];
        const open = new Set<FakeAnswer>();
        let started: Promise<void> | undefined;
        let resolved = false;
        for (const step of steps) {
          if (step.op === 'admit') {
            const answer = new FakeAnswer();
            const admitted = drain.admit(request, answer as unknown as ServerResponse);
            expect(admitted, `seed ${seed}`).toBe(started === undefined);
            if (admitted) {
              answers.push(answer);
              open.add(answer);
            } else {
              expect(answer.statusCode).toBe(503);
              expect(answer.headers.get('connection')).toBe('close');
              expect(answer.ended).toBe(true);
            }
          } else if (step.op === 'send' && answers.length > 0) {
            (answers[step.pick % answers.length] as FakeAnswer).headersSent = true;
          } else if (step.op === 'close' && answers.length > 0) {
            // A close may repeat: the drain counts each answer once.
            const answer = answers[step.pick % answers.length] as FakeAnswer;
            open.delete(answer);
            answer.emit('close');
          } else if (step.op === 'readmit' && started === undefined && open.size > 0) {
            // Admitting an unanswered request again changes nothing: it is counted once.
            const answer = [...open][step.pick % open.size] as FakeAnswer;
            expect(drain.admit(request, answer as unknown as ServerResponse)).toBe(true);
          } else if (step.op === 'start' && started === undefined) {
            const marked = answers.filter((a) => a.headers.get('connection') === 'close');
            expect(marked).toEqual([]);
            const expected = answers.filter((a) => open.has(a) && !a.headersSent);
            if (open.size > 0) startedWithSome += 1;
            started = drain.start().then(() => {
              resolved = true;
            });
            const nowMarked = answers.filter((a) => a.headers.get('connection') === 'close');
            expect(new Set(nowMarked), `seed ${seed}`).toEqual(new Set(expected));
          }
          await Promise.resolve();
          await Promise.resolve();
          if (started !== undefined) expect(resolved, `seed ${seed}`).toBe(open.size === 0);
        }
      }),
      { seed, numRuns: 2000 },
    );
    expect(startedWithSome).toBeGreaterThan(20);
  });
});
