/**
 * The history format: parsing and checking JSONL, pairing invocations with completions (an
 * unanswered invocation is `info`), the recorder's numbering and clock, and the verdict line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import {
  eventLine,
  pairOperations,
  parseHistory,
  readHistoryFile,
  type HistoryEvent,
} from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { checkLinearizability } from '../../load/history/linearizability.js';
import { HistoryRecorder } from '../../load/history/recorder.js';
import { verdict } from '../../load/history/verdict.js';
import { HistoryBuilder } from '../support/history-builder.js';

const jsonl = (events: unknown[]): string => events.map((e) => JSON.stringify(e)).join('\n');

describe('history format', () => {
  it('pairs invocations and completions; one never answered counts as info', () => {
    const events = parseHistory(
      jsonl([
        {
          type: 'invoke',
          op: 0,
          client: 0,
          raffle: 'r',
          f: 'issue',
          value: { username: 'a', count: 1 },
          time: 0,
        },
        { type: 'invoke', op: 1, client: 1, raffle: 'r', f: 'draw', value: {}, time: 1 },
        { type: 'ok', op: 0, client: 0, value: { tickets: 1, totalTickets: 1 }, time: 2 },
      ]),
    );
    const [issue, draw] = pairOperations(events);
    // A hand-written history may leave the kind out: it is the ledger.
    expect(issue).toMatchObject({ kind: 'ledger', completion: 'ok', invokeMs: 0, completeMs: 2 });
    expect(draw).toMatchObject({ completion: 'info', completeMs: Number.POSITIVE_INFINITY });
  });

  it('rejects events out of time order, of unknown type, or completing what was never invoked', () => {
    const invoke = { type: 'invoke', op: 0, client: 0, raffle: 'r', f: 'draw', value: {}, time: 5 };
    expect(() => parseHistory(jsonl([invoke, { ...invoke, op: 1, time: 4 }]))).toThrow(/time/);
    expect(() => parseHistory(jsonl([{ ...invoke, type: 'done' }]))).toThrow(/type/);
    expect(() => parseHistory(jsonl([{ ...invoke, f: undefined }]))).toThrow(/f and raffle/);
    expect(() =>
      pairOperations(parseHistory(jsonl([{ type: 'ok', op: 3, client: 0, value: {}, time: 1 }]))),
    ).toThrow(/never invoked/);
    expect(() => pairOperations(parseHistory(jsonl([invoke, { ...invoke, time: 6 }])))).toThrow(
      /twice/,
    );
  });

  it('a file written line by line reads back as the same events', async () => {
    const h = new HistoryBuilder();
    h.op({
      client: 0,
      f: 'issue',
      input: { username: 'a', count: 2 },
      at: [0, 1],
      ok: { tickets: 2, totalTickets: 2 },
    });
    h.op({ client: 1, f: 'draw', at: [0.5, 3], info: true });
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    try {
      const file = join(dir, 'h.jsonl');
      writeFileSync(file, `${h.events().map(eventLine).join('\n')}\n`);
      const read: HistoryEvent[] = [];
      for await (const event of readHistoryFile(file)) read.push(event);
      expect(read).toEqual(h.events());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the recorder numbers operations, keeps times in order and hands events to its sinks', () => {
    const seen: HistoryEvent[] = [];
    const recorder = new HistoryRecorder({ sinks: [(event) => seen.push(event)] });
    const a = recorder.invoke({ client: 0, kind: 'ledger', raffle: 'r', f: 'draw', value: {} });
    const b = recorder.invoke({ client: 1, kind: 'ledger', raffle: 'r', f: 'draw', value: {} });
    expect(recorder.pending).toBe(2);
    recorder.complete(b, 1, 'fail', { reason: 'raffle_empty', status: 409 });
    recorder.complete(a, 0, 'info', { error: 'timeout' });
    expect([a, b]).toEqual([0, 1]);
    expect(recorder.pending).toBe(0);
    expect(seen.map((e) => e.type)).toEqual(['invoke', 'invoke', 'fail', 'info']);
    const times = seen.map((e) => e.time);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(recorder.takeEvents()).toEqual(seen);
    expect(recorder.events).toEqual([]);
  });
});

describe('verdict line', () => {
  it('says valid, invalid or unknown, with operations, anomalies and a clause per checker', () => {
    const good = new HistoryBuilder();
    good.op({
      client: 0,
      f: 'issue',
      input: { username: 'a', count: 2 },
      at: [0, 1],
      ok: { tickets: 2, totalTickets: 2 },
    });
    const ok = verdict({
      operations: 1,
      linearizability: checkLinearizability(good.operations),
      conservation: checkConservation(good.events(), conservationLaws),
    });
    expect(ok.valid).toBe(true);
    expect(ok.line).toMatch(
      /^VERDICT valid · 1 operations · 0 anomalies · linearizable \(1 checked, 1 raffle, [\d.]+ s\) · conserved \(1 whole-raffle reads, [\d.]+ s\)$/,
    );

    const bad = new HistoryBuilder();
    bad.op({
      client: 0,
      f: 'issue',
      input: { username: 'a', count: 2 },
      at: [0, 1],
      ok: { tickets: 3, totalTickets: 3 },
    });
    const no = verdict({
      operations: 1,
      linearizability: checkLinearizability(bad.operations),
      conservation: checkConservation(bad.events(), conservationLaws),
    });
    expect(no.valid).toBe(false);
    expect(no.anomalies).toBe(3);
    expect(no.line).toContain(
      'VERDICT INVALID · 1 operations · 3 anomalies · NOT linearizable (2 violations',
    );
    expect(no.line).toContain('NOT conserved (1 of 1 whole-raffle reads, worst off by 1');
  });
});
