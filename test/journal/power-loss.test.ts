/**
 * Power cuts and failing disks, through the journal's file-system seam (a simulated disk that
 * keeps what was written apart from what was made durable).
 *
 * A workload runs once — commands one per batch and in bursts, snapshots every few commands, the
 * data directory created two levels deep, a graceful close — and the simulated disk records every
 * step. Then the journal is opened on the disk a power cut at each step could leave: with only the
 * directory entries a directory fsync made durable, or with every entry made so far, and with the
 * write of that step cut at every byte. Each must start without calling anything corruption,
 * hold every acknowledged command, and be exactly the state after the commands it holds. A missing
 * file or directory fsync, a rename before the file's fsync, or a prune before the directory fsync
 * loses acknowledged commands in one of these images.
 *
 * A failing fdatasync must never be acknowledged: the batch and everything after it is answered
 * `storage_failed`, the journal says so at level fatal, writes no snapshot of the state that is
 * ahead of the disk, and a restart recovers every acknowledged command.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { listSegments, listSnapshots } from '../../src/journal/files.js';
import type { Journal } from '../../src/journal/journal.js';
import {
  engineOver,
  journalTestLimits,
  mutations,
  openTestJournal,
  TeeLog,
} from '../support/journal-workload.js';
import { newStateMachine, submitTo } from '../support/ledger-commands.js';
import { SimulatedDisk, type DirectoryVariant } from '../support/simulated-disk.js';

const limits = journalTestLimits;
const variants: DirectoryVariant[] = ['durable-entries', 'all-entries', 'removals-only'];
const dataDir = '/disk/service/data';

function openJournal(
  disk: SimulatedDisk,
  snapshotEveryCommands = 1_000_000,
  logger = pino({ level: 'silent' }),
): Promise<Journal> {
  return openTestJournal(dataDir, { snapshotEveryCommands, logger, fileSystem: disk });
}

async function startEngine(journal: Journal, disk: SimulatedDisk): Promise<[Engine, TeeLog]> {
  const tee = new TeeLog(journal);
  tee.onAcknowledged = (seq) => disk.acknowledge(seq);
  const engine = await engineOver(journal, tee);
  return [engine, tee];
}

/** The digest of the state after each command, from a replay of the acknowledged commands. */
function digestsOf(tee: TeeLog): Map<number, string> {
  const replay = newStateMachine(limits);
  const digests = new Map<number, string>([[0, replay.digestText()]]);
  for (const stamped of tee.commands) {
    replay.apply(stamped);
    digests.set(stamped.seq, replay.digestText());
  }
  return digests;
}

describe('power cuts', () => {
  it(
    'a cut at any step, with writes cut at every byte, keeps every acknowledged command',
    { timeout: 120_000 },
    async () => {
      const disk = new SimulatedDisk();
      const journal = await openJournal(disk, 4);
      const [engine, tee] = await startEngine(journal, disk);
      const all = mutations(16, 41);
      for (const mutation of all.slice(0, 10)) await submitTo(engine, mutation);
      await Promise.all(all.slice(10).map((mutation) => submitTo(engine, mutation)));
      await engine.close();
      expect(journal.stats.snapshots).toBeGreaterThanOrEqual(3);
      expect(listSnapshots(dataDir, disk).length).toBe(2);
      const digests = digestsOf(tee);
      const lastSeq = tee.commands.at(-1)!.seq;

      let images = 0;
      for (const [index, checkpoint] of disk.checkpoints.entries()) {
        for (const variant of variants) {
          // Journal writes are cut at every byte. A snapshot's temporary file is never read (it is
          // removed at start, and its cuts at every byte are refused in snapshot.test.ts), so its
          // writes are cut at a few points only, and so are all writes under the other two
          // directory variants, which differ from the first only in which files exist.
          const sparse =
            variant !== 'durable-entries' ||
            SimulatedDisk.wroteTo(checkpoint)?.endsWith('.tmp') === true;
          for (const tail of SimulatedDisk.cuts(checkpoint, sparse)) {
            const image = SimulatedDisk.crashImage(checkpoint, variant, tail);
            const where = `step ${index} (${checkpoint.op}), ${variant}, ${tail} bytes of the write`;
            const recovered = await openJournal(image).catch((error: unknown) => {
              throw new Error(`${where}: ${String(error)}`);
            });
            const seq = recovered.stateMachine.appliedSeq;
            expect(seq, where).toBeGreaterThanOrEqual(checkpoint.ackedSeq);
            expect(recovered.stateMachine.digestText(), where).toBe(digests.get(seq));
            await recovered.abandon();
            images += 1;
          }
        }
      }
      // Every step was tried, and the last one holds everything.
      expect(images).toBeGreaterThan(disk.checkpoints.length * 2);
      expect(disk.checkpoints.at(-1)!.ackedSeq).toBe(lastSeq);
    },
  );
});

describe('a failing fdatasync', () => {
  it('is never acknowledged: storage_failed from then on, said loudly, and a restart keeps every acknowledged command', async () => {
    const disk = new SimulatedDisk();
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const journal = await openJournal(disk, 1_000_000, logger);
    const [engine, tee] = await startEngine(journal, disk);
    for (const mutation of mutations(10, 5)) {
      expect(await submitTo(engine, mutation)).not.toMatchObject({ reason: 'storage_failed' });
    }
    const acknowledged = disk.ackedSeq;
    expect(acknowledged).toBe(tee.commands.at(-1)!.seq);

    let failing = true;
    disk.failDatasync = (path) => failing && path.endsWith('.log');
    const burst = await Promise.all(mutations(20, 6).map((mutation) => submitTo(engine, mutation)));
    failing = false;
    // Nothing of the failed batch, nor anything after it, is acknowledged, though the disk
    // works again: an fdatasync that failed once is never trusted again.
    expect(burst.map((outcome) => outcome.ok || outcome.reason)).toEqual(
      burst.map(() => 'storage_failed'),
    );
    const later = await submitTo(engine, {
      type: 'issue',
      raffleId: 'main',
      username: 'z',
      count: 1,
    });
    expect(later).toMatchObject({ ok: false, reason: 'storage_failed' });
    const read = await submitTo(engine, { type: 'getRaffle', raffleId: 'main' });
    expect(read).toMatchObject({ ok: false, reason: 'storage_failed' });
    expect(engine.failure?.message).toMatch(/EIO/);
    await expect(engine.failed).resolves.toBe(engine.failure);
    expect(disk.ackedSeq).toBe(acknowledged);
    const fatal = lines.find((line) => line.level === 60);
    expect(String(fatal?.msg)).toMatch(/could not make commands \d+ to \d+ durable/);
    expect(String(fatal?.msg)).toContain('storage_failed');

    // Closing writes no snapshot of a state that is ahead of the disk.
    const snapshotsBefore = listSnapshots(dataDir, disk).length;
    await engine.close();
    expect(listSnapshots(dataDir, disk).length).toBe(snapshotsBefore);

    const digests = digestsOf(tee);
    const last = disk.checkpoints.at(-1)!;
    // A power cut now, and a restart of the process only (what was written is still readable).
    for (const [variant, tail] of [
      ['durable-entries', 0],
      ['all-entries', Number.MAX_SAFE_INTEGER],
    ] as const) {
      const restarted = await openJournal(SimulatedDisk.crashImage(last, variant, tail));
      const seq = restarted.stateMachine.appliedSeq;
      expect(seq).toBeGreaterThanOrEqual(acknowledged);
      if (seq === acknowledged) expect(restarted.stateMachine.digestText()).toBe(digests.get(seq));
      await restarted.abandon();
    }
  });

  it('of a snapshot is logged and passed over: commands go on being acknowledged', async () => {
    const disk = new SimulatedDisk();
    disk.failDatasync = (path) => path.endsWith('.tmp');
    const journal = await openJournal(disk, 5);
    const [engine] = await startEngine(journal, disk);
    for (const mutation of mutations(20, 8)) {
      expect(await submitTo(engine, mutation)).not.toMatchObject({ reason: 'storage_failed' });
    }
    expect(journal.stats.snapshots).toBe(0);
    expect(journal.failure).toBeUndefined();
    expect(listSnapshots(dataDir, disk)).toEqual([]);
    expect(disk.list(dataDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const live = journal.stateMachine.digestText();
    await engine.close();
    const reopened = await openJournal(disk);
    expect(reopened.stateMachine.digestText()).toBe(live);
    expect(listSegments(dataDir, disk).length).toBeGreaterThan(1);
    await reopened.abandon();
  });
});
