/**
 * Recovery of a last batch written as several records (journal format 3), on the simulated disk:
 * a hole (zeros, with later bytes of the same write kept, as a disk reordering unsynced writes
 * leaves) at every position of the last batch, or its end record missing, recovers exactly the
 * state after the batch before it and cuts the file at the last batch's first record, durably;
 * the same hole in the batch before it, which a later batch follows, refuses to start and names
 * the damaged record's offset, leaving the file as it was.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { readBatches, type JournalBatch } from '../../src/journal/batches.js';
import { listSegments } from '../../src/journal/files.js';
import { bufferSource, readRecords } from '../../src/journal/framing.js';
import { Journal, JournalCorruptionError } from '../../src/journal/journal.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { mutations, TeeLog } from '../support/journal-workload.js';
import { newStateMachine, submitTo } from '../support/ledger-commands.js';
import { SimulatedDisk } from '../support/simulated-disk.js';

const limits = { rafflesMax: 10, participantsPerRaffleMax: 1_000 };
const dataDir = '/disk/data';

function openJournal(disk: SimulatedDisk): Promise<Journal> {
  return Journal.open({
    dataDir,
    snapshotEveryCommands: 1_000_000,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: limits,
    registry: createKindRegistry(),
    fileSystem: disk,
    // Records of a command or two, so that a batch of a burst spans several records.
    recordFillBytes: 150,
  });
}

/** A journal of bursts, its segment's bytes, its batches, and the state after each command. */
async function written() {
  const disk = new SimulatedDisk();
  const journal = await openJournal(disk);
  const tee = new TeeLog(journal);
  const engine: Engine = await startRaffleEngine({
    ...limits,
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    queueLengthMax: 1_000,
    batchSizeMax: 1_000,
    log: tee,
    stateMachine: journal.stateMachine,
  });
  const all = mutations(23, 13);
  for (let i = 0; i < all.length; i += 6) {
    await Promise.all(all.slice(i, i + 6).map((mutation) => submitTo(engine, mutation)));
  }
  await journal.abandon();
  const segment = listSegments(dataDir, disk)[0]!;
  const file = disk.openExisting(segment.path);
  const bytes = Buffer.from(file.read(0, file.size()));
  file.close();
  const batches: JournalBatch[] = [...readBatches(bufferSource(bytes), { nextSeq: 1, last: true })];
  const recordStarts = [...readRecords(bufferSource(bytes))].map((record) => record.offset);
  const replay = newStateMachine(limits);
  const digests = new Map<number, string>([[0, replay.digestText()]]);
  for (const stamped of tee.commands) {
    replay.apply(stamped);
    digests.set(stamped.seq, replay.digestText());
  }
  return { name: segment.name, bytes, batches, recordStarts, digests };
}

/** A disk holding only a segment of these bytes, durable. */
async function diskWith(name: string, bytes: Buffer): Promise<SimulatedDisk> {
  const disk = new SimulatedDisk();
  disk.makeDirectory(dataDir);
  const file = disk.openAppend(`${dataDir}/${name}`);
  file.append(bytes);
  await file.sync();
  file.close();
  await disk.syncDirectory(dataDir);
  await disk.syncDirectory(disk.root);
  return disk;
}

function segmentOn(disk: SimulatedDisk, name: string): Buffer {
  const file = disk.openExisting(`${dataDir}/${name}`);
  const bytes = Buffer.from(file.read(0, file.size()));
  file.close();
  return bytes;
}

// Every length is tried over buffers in batches.test.ts; here, a byte and a header's worth and more.
const holeLengths = [1, 20];

describe('a torn last batch of several records', () => {
  it('a hole anywhere in it, or its end record missing, recovers the batch before and cuts it off', async () => {
    const { name, bytes, batches, recordStarts, digests } = await written();
    const last = batches.at(-1)!;
    const before = batches.at(-2)!;
    // The last batch is a burst of several records, so holes land between valid records of it.
    expect(recordStarts.filter((offset) => offset >= last.offset).length).toBeGreaterThan(3);
    const previousSeq = before.commands.at(-1)!.seq;
    const damages: [string, Buffer][] = [];
    for (let start = last.offset; start < bytes.length; start += 1) {
      for (const length of holeLengths) {
        const damaged = Buffer.from(bytes);
        damaged.fill(0, start, Math.min(bytes.length, start + length));
        if (!damaged.equals(bytes)) damages.push([`hole at ${start}, ${length} bytes`, damaged]);
      }
    }
    const endRecord = recordStarts.at(-1)!;
    damages.push(['no end record', bytes.subarray(0, endRecord)]);
    for (const [where, damaged] of damages) {
      const disk = await diskWith(name, damaged);
      const journal = await openJournal(disk);
      expect(journal.stateMachine.appliedSeq, where).toBe(previousSeq);
      expect(journal.stateMachine.digestText(), where).toBe(digests.get(previousSeq));
      expect(journal.recovery.tornBytesCut, where).toBe(damaged.length - last.offset);
      await journal.abandon();
      // The cut is durable: a power cut right after recovery finds the file cut.
      const crashed = SimulatedDisk.crashImage(disk.checkpoints.at(-1)!, 'durable-entries');
      expect(segmentOn(crashed, name).equals(bytes.subarray(0, last.offset)), where).toBe(true);
    }
    expect(damages.length).toBeGreaterThan(500);
  });

  it('the same hole in the batch before it is corruption at the damaged record', async () => {
    const { name, bytes, batches, recordStarts } = await written();
    const before = batches.at(-2)!;
    const last = batches.at(-1)!;
    let tried = 0;
    for (let start = before.offset; start < last.offset; start += 1) {
      for (const length of holeLengths) {
        const damaged = Buffer.from(bytes);
        damaged.fill(0, start, Math.min(last.offset, start + length));
        let changed = start;
        while (changed < last.offset && damaged[changed] === bytes[changed]) changed += 1;
        if (changed === last.offset) continue;
        const record = recordStarts.filter((offset) => offset <= changed).at(-1)!;
        const where = `hole at ${start}, ${length} bytes`;
        const disk = await diskWith(name, damaged);
        const error = await openJournal(disk).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error, where).toBeInstanceOf(JournalCorruptionError);
        expect((error as JournalCorruptionError).offset, where).toBe(record);
        expect((error as JournalCorruptionError).message, where).toContain(name);
        expect(segmentOn(disk, name).equals(damaged), where).toBe(true);
        tried += 1;
      }
    }
    expect(tried).toBeGreaterThan(100);
  });
});
