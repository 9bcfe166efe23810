/**
 * Snapshot records: filled by bytes, never by count, so none grows with the state; a snapshot cut
 * at any byte is refused, never taken for a smaller state; a kind's record past its bound is a
 * programming error that encoding names; and snapshots of format 2 still read.
 */
import { describe, expect, it } from 'vitest';
import { snapshotKindRecordBytesMax } from '../../src/config/limits.js';
import { StateMachine, type StateImage } from '../../src/engine/state-machine.js';
import { bufferSource, encodeRecord, scanRecords } from '../../src/journal/framing.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/journal/snapshot.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { newStateMachine } from '../support/ledger-commands.js';

const limits = {
  rafflesMax: 5,
  participantsPerRaffleMax: 1_000,
  idempotencyKeysMax: 100,
  idempotencyTtlMs: 1_000_000,
  idempotencyBytesMax: 200_000,
  idempotencyAnswerBytesMax: 6_000,
};

/** A state with raffles, participants, draws and idempotency records of every size. */
function busyMachine(requests = 40): StateMachine {
  const machine = newStateMachine(limits);
  let seq = 0;
  const apply = (command: Record<string, unknown>, seed?: Uint8Array) =>
    machine.apply({
      seq: ++seq,
      atMs: 1_000 + seq,
      seed,
      command: { kind: 'ledger', ...command } as never,
    });
  apply({ type: 'createRaffle', id: 'main', name: 'Main' }, new Uint8Array(16).fill(3));
  for (let i = 0; i < requests; i += 1) {
    const items = Array.from({ length: 1 + ((i * 37) % 90) }, (_, j) => ({
      username: `user-${(i * 7 + j) % 300}-é`,
      count: 1 + j,
    }));
    apply({ type: 'issueBulk', raffleId: 'main', items, idempotencyKey: `k1:bulk-${i}` });
  }
  for (let i = 0; i < 5; i += 1) {
    apply(
      { type: 'draw', raffleId: 'main', idempotencyKey: `k1:draw-${i}` },
      new Uint8Array(16).fill(i),
    );
  }
  return machine;
}

function snapshotOf(image: StateImage, fillBytes?: number): Buffer {
  return Buffer.concat([...encodeSnapshot(image, fillBytes)]);
}

function restore(buffer: Buffer): StateMachine {
  return StateMachine.restore(createKindRegistry(), decodeSnapshot(bufferSource(buffer)));
}

describe('snapshot records', () => {
  it('are filled by bytes: a record passes the fill bound only when it holds one item', () => {
    const machine = busyMachine();
    const answers = [...machine.image().idempotency].map(([, record]) => record.answer);
    expect(answers.some((answer) => answer === undefined)).toBe(true);
    expect(answers.some((answer) => (answer?.length ?? 0) > 2_048)).toBe(true);
    const buffer = snapshotOf(machine.image(), 2_048);
    const { payloads, problem } = scanRecords(buffer);
    expect(problem).toBeUndefined();
    let filled = 0;
    for (const payload of payloads) {
      const [tag, body] = JSON.parse(payload.toString('utf8')) as [string, unknown];
      if (payload.length > 2_048) expect([tag, (body as unknown[]).length]).toEqual([tag, 1]);
      if (tag === 'idempotency' && (body as unknown[]).length > 1) filled += 1;
    }
    expect(filled).toBeGreaterThanOrEqual(1);
    expect(restore(buffer).digestText()).toBe(machine.digestText());
  });

  it('a snapshot cut at any byte is refused; whole, it restores the same state', () => {
    const machine = busyMachine(4);
    const buffer = snapshotOf(machine.image(), 1_024);
    expect(scanRecords(buffer).payloads.length).toBeGreaterThan(6);
    for (let cut = 0; cut < buffer.length; cut += 1) {
      expect(() => restore(buffer.subarray(0, cut)), `cut at ${cut}`).toThrow();
    }
    const restored = restore(buffer);
    expect(restored.digestText()).toBe(machine.digestText());
    expect(restored.idempotencyBytes).toBe(machine.idempotencyBytes);
  });

  it("a kind's record past its bound is a programming error, named", () => {
    const image: StateImage = {
      seq: 1,
      limits: newStateMachine(limits).limits,
      sections: [
        { kind: 'huge', version: 1, records: ['z'.repeat(snapshotKindRecordBytesMax + 1)] },
      ],
      idempotency: [],
    };
    expect(() => [...encodeSnapshot(image)]).toThrow(/kind 'huge' wrote a record of \d+ bytes/);
  });

  it('format 2 (a record per kind record, answers as objects) still reads', () => {
    const tagged = (value: unknown) => encodeRecord(Buffer.from(JSON.stringify(value)));
    const outcome = { ok: true, value: { username: 'ann', tickets: 3, totalTickets: 3 } };
    const buffer = Buffer.concat([
      tagged(['header', { format: 'raffle-snapshot', version: 2, seq: 9, limits }]),
      tagged(['section', { kind: 'ledger', version: 1 }]),
      tagged([
        'record',
        {
          kind: 'raffle',
          id: 'main',
          name: 'Main',
          createdAtMs: 5,
          counters: busyMachine()
            .stateOf<Map<string, { contents(): { counters: unknown } }>>({ name: 'ledger' })
            .get('main')!
            .contents().counters,
        },
      ]),
      tagged(['idempotency', [['k1:x', 'ledger', 'f'.repeat(64), 7, 8, outcome]]]),
      tagged(['end', { records: 4 }]),
    ]);
    const image = decodeSnapshot(bufferSource(buffer));
    const sections: [string, number][] = [];
    for (const section of image.sections)
      sections.push([section.kind, [...section.records].length]);
    expect(sections).toEqual([['ledger', 1]]);
    const rows = [...image.idempotency];
    expect(rows).toEqual([
      [
        'k1:x',
        {
          kind: 'ledger',
          fingerprint: 'f'.repeat(64),
          atMs: 7,
          seq: 8,
          answer: JSON.stringify(outcome),
          answerBytes: JSON.stringify(outcome).length,
        },
      ],
    ]);
  });
});
