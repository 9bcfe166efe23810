/**
 * The audit export reads the journal with recovery's batch reader: a last batch holed by a crash
 * (or still being written) is left out whole, never in part, and the same hole in a batch that a
 * later batch follows stops the export, naming the segment and offset.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalCommands } from '../../src/audit/export.js';
import { readBatches, type JournalBatch } from '../../src/journal/batches.js';
import { listSegments } from '../../src/journal/files.js';
import { bufferSource } from '../../src/journal/framing.js';
import { Journal } from '../../src/journal/journal.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { mutations, TeeLog } from '../support/journal-workload.js';
import { submitTo } from '../support/ledger-commands.js';

const limits = { rafflesMax: 10, participantsPerRaffleMax: 1_000 };
let dataDir: string;
let segmentPath: string;
let bytes: Buffer;
let batches: JournalBatch[];
let seqs: number[];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'raffle-export-batches-'));
  const journal = await Journal.open({
    dataDir,
    snapshotEveryCommands: 1_000_000,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: limits,
    registry: createKindRegistry(),
    recordFillBytes: 150,
  });
  const tee = new TeeLog(journal);
  const engine = await startRaffleEngine({
    ...limits,
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    queueLengthMax: 1_000,
    batchSizeMax: 1_000,
    log: tee,
    stateMachine: journal.stateMachine,
  });
  const all = mutations(23, 31);
  for (let i = 0; i < all.length; i += 6) {
    await Promise.all(all.slice(i, i + 6).map((mutation) => submitTo(engine, mutation)));
  }
  await journal.abandon();
  seqs = tee.commands.map((stamped) => stamped.seq);
  segmentPath = listSegments(dataDir)[0]!.path;
  bytes = readFileSync(segmentPath);
  batches = [...readBatches(bufferSource(bytes), { nextSeq: 1, last: true })];
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const exported = () => [...journalCommands(dataDir)].map((stamped) => stamped.seq);

describe('the audit export over batches', () => {
  it('an intact journal exports every command', () => {
    expect(batches.at(-1)!.commands.length).toBeGreaterThan(2);
    expect(exported()).toEqual(seqs);
  });

  it('a hole inside the last batch leaves the whole batch out', () => {
    const last = batches.at(-1)!;
    const damaged = Buffer.from(bytes);
    // Zeros over the middle of the batch; its first record and its end record stay intact.
    const middle = Math.floor((last.offset + last.end) / 2);
    damaged.fill(0, middle, middle + 20);
    writeFileSync(segmentPath, damaged);
    expect(exported()).toEqual(seqs.filter((seq) => seq < last.commands[0]!.seq));
  });

  it('the same hole in an earlier batch stops the export with the file and offset', () => {
    const before = batches.at(-2)!;
    const damaged = Buffer.from(bytes);
    const middle = Math.floor((before.offset + before.end) / 2);
    damaged.fill(0, middle, middle + 20);
    writeFileSync(segmentPath, damaged);
    expect(() => exported()).toThrow(new RegExp(`${segmentPath} at byte \\d+: .*made durable`));
    writeFileSync(segmentPath, bytes);
  });
});
