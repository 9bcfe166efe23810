/**
 * The seam proven from outside: a kind defined in this file alone — a tally of named counters
 * with a dice roll that needs random bytes — registers and runs through the queue, the journal,
 * a snapshot and a replay, idempotency keys included, with no change anywhere else.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { refuse } from '../../src/domain/reasons.js';
import { ok } from '../../src/engine/commands.js';
import { Engine } from '../../src/engine/engine.js';
import { defineKind, KindRegistry } from '../../src/engine/kind.js';
import { listSegments, listSnapshots } from '../../src/journal/files.js';
import { Journal } from '../../src/journal/journal.js';

type Tally = Map<string, number>;
const addFields = z.object({ name: z.string(), amount: z.number().int() });

const tallyKind = defineKind({
  name: 'tally',
  create: (): Tally => new Map(),
  commands: {
    add: {
      needsSeed: false,
      schema: addFields,
      content: (f: z.infer<typeof addFields>) => [f.name, f.amount],
      apply(tally: Tally, f: z.infer<typeof addFields>) {
        const next = (tally.get(f.name) ?? 0) + f.amount;
        if (next < 0) return refuse('insufficient_tickets', `'${f.name}' would go below zero.`);
        tally.set(f.name, next);
        return ok(next);
      },
    },
    roll: {
      needsSeed: true,
      schema: z.object({ name: z.string() }),
      content: (f: { name: string }) => [f.name],
      apply(tally: Tally, f: { name: string }, stamp) {
        const face = 1 + ((stamp.seed?.[0] ?? 0) % 6);
        tally.set(f.name, (tally.get(f.name) ?? 0) + face);
        return ok({ face, seq: stamp.seq, atMs: stamp.atMs });
      },
    },
  },
  queries: {
    get: { run: (tally: Tally, f: { name: string }) => ok(tally.get(f.name) ?? 0) },
  },
  invariants(tally: Tally) {
    for (const [name, value] of tally) if (value < 0) throw new Error(`'${name}' is negative`);
  },
  raffleCount: (tally: Tally) => tally.size,
  snapshot: {
    version: 1,
    image: (tally: Tally) => [...tally].map(([name, value]) => ({ name, value })),
    restore(records: Iterable<unknown>) {
      const tally: Tally = new Map();
      for (const record of records as Iterable<{ name: string; value: number }>) {
        tally.set(record.name, record.value);
      }
      return tally;
    },
  },
  digest: (tally: Tally) => [...tally].map(([name, value]) => `${name}=${value}`),
});

const registry = new KindRegistry([tallyKind]);
const limits = { rafflesMax: 5, participantsPerRaffleMax: 5 };
const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openJournal(dataDir: string): Promise<Journal> {
  return Journal.open({
    dataDir,
    snapshotEveryCommands: 7,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: limits,
    registry,
  });
}

async function engineOn(journal: Journal): Promise<Engine> {
  return Engine.start({
    ...limits,
    registry,
    queueLengthMax: 100,
    batchSizeMax: 10,
    log: journal,
    stateMachine: journal.stateMachine,
  });
}

describe('a kind defined outside the engine', () => {
  it('seam: runs through queue, journal, snapshot and replay', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raffle-seam-'));
    directories.push(dataDir);
    const journal = await openJournal(dataDir);
    const engine = await engineOn(journal);
    const rolls: unknown[] = [];
    for (let i = 0; i < 20; i += 1) {
      expect(await engine.submit(tallyKind.commands.add, { name: `n${i % 3}`, amount: i })).toEqual(
        expect.objectContaining({ ok: true }),
      );
      if (i % 4 === 0) rolls.push(await engine.submit(tallyKind.commands.roll, { name: 'dice' }));
    }
    const refused = await engine.submit(tallyKind.commands.add, { name: 'n0', amount: -10_000 });
    expect(refused.ok ? 'ok' : refused.reason).toBe('insufficient_tickets');
    const keyed = { name: 'k', amount: 5, idempotencyKey: 'k1:retry' };
    const first = await engine.submit(tallyKind.commands.add, keyed);
    expect(await engine.submit(tallyKind.commands.add, keyed)).toEqual(first);
    const before = await engine.query(tallyKind.queries.get, { name: 'dice' });
    const digest = engine.stateMachine.digest();
    const seq = engine.stateMachine.appliedSeq;
    await engine.close();

    // The journal holds the kind's commands by name; snapshots were taken along the way.
    const logged = listSegments(dataDir)
      .map((segment) => readFileSync(segment.path, 'latin1'))
      .join('');
    expect(logged).toContain('"kind":"tally","type":"add"');
    expect(listSnapshots(dataDir).length).toBeGreaterThan(0);

    // From the newest snapshot plus the journal after it: the same state, and the key still works.
    const reopened = await openJournal(dataDir);
    expect(reopened.stateMachine.appliedSeq).toBe(seq);
    expect(reopened.stateMachine.digest()).toBe(digest);
    const again = await engineOn(reopened);
    expect(await again.query(tallyKind.queries.get, { name: 'dice' })).toEqual(before);
    expect(await again.submit(tallyKind.commands.add, keyed)).toEqual(first);
    const seqAfter = again.stateMachine.appliedSeq;
    const digestAfter = again.stateMachine.digest();
    await again.close();

    // Without the newest snapshot: the older one plus the longer journal after it, same state.
    const snapshots = listSnapshots(dataDir);
    expect(snapshots.length).toBe(2);
    rmSync(snapshots[1]!.path);
    const replayed = await openJournal(dataDir);
    expect(replayed.recovery.snapshotSeq).toBe(snapshots[0]!.seq);
    expect(replayed.stateMachine.appliedSeq).toBe(seqAfter);
    expect(replayed.stateMachine.digest()).toBe(digestAfter);
    expect(rolls.length).toBe(5);
    await replayed.abandon();
  });

  it('seam: a command of an unregistered kind in the journal stops recovery as corruption', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raffle-seam-'));
    directories.push(dataDir);
    const journal = await openJournal(dataDir);
    const engine = await engineOn(journal);
    await engine.submit(tallyKind.commands.add, { name: 'a', amount: 1 });
    await journal.abandon();
    await expect(
      Journal.open({
        dataDir,
        snapshotEveryCommands: 7,
        snapshotEveryBytes: 2 ** 40,
        logger: pino({ level: 'silent' }),
        initialLimits: limits,
        registry: new KindRegistry([]),
      }),
    ).rejects.toThrow(/unknown command 'tally.add'/);
  });
});
