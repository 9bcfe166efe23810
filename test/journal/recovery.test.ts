/**
 * The journal in process: group commit, recovery to a prefix of the acknowledged history from a
 * journal cut at any byte, refusal to start on corruption before the tail, and snapshots that
 * rebuild exactly the state a replay from the first command builds.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandLog } from '../../src/engine/command-log.js';
import type { Engine } from '../../src/engine/engine.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { newStateMachine, submitTo } from '../support/ledger-commands.js';
import { mutations, TeeLog } from '../support/journal-workload.js';
import { listSegments, listSnapshots, segmentName } from '../../src/journal/files.js';
import { encodeRecord } from '../../src/journal/framing.js';
import { lockFile } from '../../src/journal/directory-lock.js';
import {
  DataDirectoryLockedError,
  Journal,
  JournalCorruptionError,
} from '../../src/journal/journal.js';

const logger = pino({ level: 'silent' });
const limits = { rafflesMax: 10, participantsPerRaffleMax: 1_000 };
const directories: string[] = [];
const journals: Journal[] = [];

afterEach(async () => {
  // Every journal a test opened is released here, so no file handle is left for the garbage
  // collector to close (Node's DEP0137 warning), and the directories can go.
  for (const journal of journals.splice(0)) await journal.abandon();
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'raffle-journal-'));
  directories.push(dir);
  return dir;
}

async function openJournal(dataDir: string, snapshotEveryCommands = 1_000_000): Promise<Journal> {
  const journal = await Journal.open({
    dataDir,
    snapshotEveryCommands,
    snapshotEveryBytes: 2 ** 40,
    logger,
    initialLimits: limits,
    registry: createKindRegistry(),
  });
  journals.push(journal);
  return journal;
}

async function startEngine(journal: Journal, log: CommandLog = journal): Promise<Engine> {
  return startRaffleEngine({
    ...limits,
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    queueLengthMax: 100_000,
    batchSizeMax: 10_000,
    log,
    stateMachine: journal.stateMachine,
  });
}

describe('journal recovery', () => {
  it('a journal cut at any byte recovers to the acknowledged prefix it holds', async () => {
    const dataDir = tempDir();
    const journal = await openJournal(dataDir);
    const tee = new TeeLog(journal);
    const engine = await startEngine(journal, tee);
    // One command per batch, each acknowledged before the next: one record per command.
    for (const mutation of mutations(60, 7)) await submitTo(engine, mutation);
    // The state after each acknowledged command, rebuilt from the commands the journal received.
    const replay = newStateMachine(limits);
    const digests = new Map<number, string>([[0, replay.digestText()]]);
    for (const stamped of tee.commands) {
      replay.apply(stamped);
      digests.set(stamped.seq, replay.digestText());
    }
    expect(replay.digestText()).toBe(journal.stateMachine.digestText());
    const segment = listSegments(dataDir)[0]!;
    const bytes = readFileSync(segment.path);
    const intact = tempDir();
    cpSync(dataDir, intact, { recursive: true });
    const recovered = await openJournal(intact);
    expect(recovered.stateMachine.digestText()).toBe(journal.stateMachine.digestText());

    const cuts = fc.sample(fc.nat({ max: bytes.length }), { numRuns: 40, seed: 11 });
    for (const cut of [0, 1, 11, 12, 13, bytes.length - 1, ...cuts]) {
      const copy = tempDir();
      cpSync(dataDir, copy, { recursive: true });
      truncateSync(join(copy, segment.name), cut);
      const reopened = await openJournal(copy);
      const seq = reopened.stateMachine.appliedSeq;
      expect(reopened.stateMachine.digestText(), `cut at ${cut}`).toBe(digests.get(seq));
      // Exactly the whole records before the cut survive, and the torn rest is cut from disk.
      const kept = statSync(join(copy, segment.name)).size;
      expect(kept).toBeLessThanOrEqual(cut);
      expect(reopened.recovery.tornBytesCut).toBe(cut - kept);
      expect(bytes.subarray(0, kept).equals(readFileSync(join(copy, segment.name)))).toBe(true);
    }
    await engine.close();
  });

  it('a flipped byte before the last record refuses to start, naming the file and offset', async () => {
    const dataDir = tempDir();
    const journal = await openJournal(dataDir);
    const engine = await startEngine(journal);
    for (const mutation of mutations(40, 3)) await submitTo(engine, mutation);
    await engine.close();
    // Closing wrote a snapshot; remove it so recovery has to read the whole journal.
    for (const snapshot of listSnapshots(dataDir)) rmSync(snapshot.path);
    const segment = listSegments(dataDir)[0]!;
    const bytes = readFileSync(segment.path);
    const positions = fc.sample(fc.nat({ max: Math.floor(bytes.length * 0.9) }), {
      numRuns: 25,
      seed: 5,
    });
    for (const at of positions) {
      const copy = tempDir();
      cpSync(dataDir, copy, { recursive: true });
      const damaged = Buffer.from(bytes);
      damaged[at] = (damaged[at] as number) ^ 0x20;
      writeFileSync(join(copy, segment.name), damaged);
      const error = await openJournal(copy).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, `flip at ${at}`).toBeInstanceOf(JournalCorruptionError);
      const corruption = error as JournalCorruptionError;
      expect(corruption.file).toBe(join(copy, segment.name));
      expect(corruption.offset).toBeLessThanOrEqual(at);
      expect(corruption.message).toContain(segment.name);
      expect(corruption.message).toContain(`offset ${corruption.offset}`);
      // Nothing was cut or rewritten, and the directory is not left locked.
      expect(readFileSync(join(copy, segment.name)).equals(damaged)).toBe(true);
      lockFile(join(copy, 'LOCK')).release();
    }
  });

  it('snapshot then replay builds the same state as a replay from the first command', async () => {
    const dataDir = tempDir();
    const journal = await openJournal(dataDir, 37);
    const tee = new TeeLog(journal);
    const engine = await startEngine(journal, tee);
    const all = mutations(600, 19);
    // Bursts of concurrent commands, so batches hold several commands and snapshots fall
    // between batches of every size.
    for (let i = 0; i < all.length; i += 25) {
      await Promise.all(all.slice(i, i + 25).map((mutation) => submitTo(engine, mutation)));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(journal.stats.snapshots).toBeGreaterThanOrEqual(3);
    expect(listSnapshots(dataDir).length).toBe(2);
    const live = journal.stateMachine.digestText();

    const fromScratch = newStateMachine(limits);
    for (const stamped of tee.commands) fromScratch.apply(stamped);
    expect(fromScratch.digestText()).toBe(live);

    // A copy of the directory: the live journal still holds the original's lock.
    const copy = tempDir();
    cpSync(dataDir, copy, { recursive: true });
    const recovered = await openJournal(copy);
    expect(recovered.recovery.snapshotSeq).toBeGreaterThan(0);
    expect(recovered.recovery.replayed).toBeLessThan(tee.commands.length);
    expect(recovered.stateMachine.digestText()).toBe(live);
    await recovered.abandon();

    // A damaged newest snapshot is passed over: the older one and the journal give the same.
    const newest = listSnapshots(copy).at(-1)!;
    const damaged = readFileSync(newest.path);
    const middle = Math.floor(damaged.length / 2);
    damaged[middle] = (damaged[middle] as number) ^ 0x01;
    writeFileSync(newest.path, damaged);
    const fallback = await openJournal(copy);
    expect(fallback.recovery.snapshotsSkipped).toEqual([newest.name]);
    expect(fallback.stateMachine.digestText()).toBe(live);
    await fallback.abandon();
    await engine.close();
  });

  it('group commit: concurrent commands share fsyncs', async () => {
    const journal = await openJournal(tempDir());
    const engine = await startEngine(journal);
    const before = journal.stats.fsyncs;
    const outcomes = await Promise.all(
      Array.from({ length: 5_000 }, (_, i) =>
        submitTo(engine, { type: 'issue', raffleId: 'main', username: `u${i % 100}`, count: 1 }),
      ),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const fsyncs = journal.stats.fsyncs - before;
    expect(fsyncs).toBeGreaterThan(0);
    expect(fsyncs).toBeLessThanOrEqual(5_000 / 50);
    await engine.close();
  });

  it('graceful close writes a snapshot, so the next start replays nothing', async () => {
    const dataDir = tempDir();
    const journal = await openJournal(dataDir);
    const engine = await startEngine(journal);
    for (const mutation of mutations(30, 23)) await submitTo(engine, mutation);
    const live = journal.stateMachine.digestText();
    await engine.close();
    const reopened = await openJournal(dataDir);
    expect(reopened.recovery).toMatchObject({
      replayed: 0,
      snapshotSeq: journal.stateMachine.appliedSeq,
    });
    expect(reopened.stateMachine.digestText()).toBe(live);
  });

  it('recovery logs the torn bytes it cut, its progress, and what it replayed in how long', async () => {
    const dataDir = tempDir();
    const journal = await openJournal(dataDir);
    const engine = await startEngine(journal);
    for (const mutation of mutations(30, 29)) await submitTo(engine, mutation);
    await journal.abandon();
    const segment = listSegments(dataDir)[0]!;
    const size = statSync(segment.path).size;
    truncateSync(segment.path, size - 5);

    const lines: Record<string, unknown>[] = [];
    const recording = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const reopened = await Journal.open({
      dataDir,
      snapshotEveryCommands: 1_000_000,
      snapshotEveryBytes: 2 ** 40,
      logger: recording,
      initialLimits: limits,
      registry: createKindRegistry(),
      progressEveryMs: 0,
    });
    journals.push(reopened);
    const cut = lines.find((line) => line.bytesCut !== undefined);
    expect(cut).toMatchObject({ file: segment.path, bytesCut: reopened.recovery.tornBytesCut });
    expect(reopened.recovery.tornBytesCut).toBeGreaterThan(0);
    expect(String(cut?.msg)).toContain(`${reopened.recovery.tornBytesCut} bytes`);
    expect(lines.some((line) => line.msg === 'replaying the journal')).toBe(true);
    const summary = lines.find((line) => String(line.msg).startsWith('recovered state'));
    expect(summary).toMatchObject({ replayed: reopened.recovery.replayed });
    expect(typeof summary?.durationMs).toBe('number');
    expect(String(summary?.msg)).toContain(`${reopened.recovery.replayed} journaled commands`);
    await engine.close().catch(() => undefined);
  });

  it('a journal in another format refuses to start, saying so rather than calling it damage', async () => {
    const dataDir = tempDir();
    const record = encodeRecord(
      Buffer.from(JSON.stringify({ journal: 4, batch: 1, commands: [] })),
    );
    writeFileSync(join(dataDir, segmentName(1)), Buffer.concat([record, record]));
    const error = await openJournal(dataDir).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(JournalCorruptionError);
    expect(error?.message).toMatch(/journal format 4, but this version reads format 3/);
    expect(error?.message).toContain(`${segmentName(1)} at byte offset 0`);
  });

  it('a LOCK file naming a live process but held by none is no obstacle', async () => {
    // What a killed service leaves, once its process id belongs to someone else.
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'LOCK'), `${process.ppid}\n`);
    const journal = await openJournal(dataDir);
    expect(readFileSync(join(dataDir, 'LOCK'), 'utf8')).toContain(`pid ${process.pid}`);
    await expect(openJournal(dataDir)).rejects.toThrow(DataDirectoryLockedError);
    await journal.close();
    // Closing releases the lock (the file stays: removing it would open a race).
    const again = await openJournal(dataDir);
    await again.close();
  });
});
