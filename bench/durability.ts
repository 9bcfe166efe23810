/**
 * Durability benchmark (`npm run bench:durability`): what the journal's fsync costs, and how long
 * recovery takes.
 *
 * 1. Throughput in process, same run: the engine with the journal (write + fdatasync per batch)
 *    against the engine with `DURABILITY=none` (memory only), in alternating rounds, with a
 *    window of concurrent issues in flight so group commit can gather batches. Median of the
 *    rounds, and the ratio.
 * 2. Recovery: a journal of 1,000,000 commands (issues over a pool of 100,000 participants,
 *    written through `Journal.append` in batches of 10,000), then the time `Journal.open` takes
 *    to replay it from the first command; then the same after a snapshot.
 *
 * Options: `--commands N` (recovery journal size, default 1,000,000), `--ops N` (issues per
 * throughput round, default 200,000), `--rounds N` (default 3), `--window N` (default 2,000),
 * `--json FILE` (default load/results/durability-bench.json).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryCommandLog } from '../src/engine/command-log.js';
import type { StampedCommand } from '../src/engine/commands.js';
import type { Engine } from '../src/engine/engine.js';
import { ledgerKind, type LedgerRaffles } from '../src/kinds/ledger/kind.js';
import { listSegments } from '../src/journal/files.js';
import { median } from '../load/runner/common.js';
import { openBenchJournal, benchEngine } from './journaled-engine.js';

const { values } = parseArgs({
  options: {
    commands: { type: 'string', default: '1000000' },
    ops: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    window: { type: 'string', default: '2000' },
    json: { type: 'string', default: 'load/results/durability-bench.json' },
  },
});
const recoveryCommands = Number(values.commands);
const opsPerRound = Number(values.ops);
const rounds = Number(values.rounds);
const windowSize = Number(values.window);

const limits = { rafflesMax: 10, participantsPerRaffleMax: 16_000_000 };
const scratch = mkdtempSync(join(tmpdir(), 'raffle-bench-durability-'));

/** Issues `ops` tickets with at most `windowSize` in flight; returns operations per second. */
async function drive(engine: Engine): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < opsPerRound) {
      const i = next++;
      const outcome = await engine.submit(ledgerKind.commands.issue, {
        raffleId: 'main',
        username: `user-${i % 100_000}`,
        count: 1,
      });
      if (!outcome.ok) throw new Error(`issue refused: ${outcome.reason}`);
    }
  };
  await Promise.all(Array.from({ length: windowSize }, worker));
  return opsPerRound / ((performance.now() - started) / 1000);
}

async function throughput() {
  const memory: number[] = [];
  const journaled: number[] = [];
  let fsyncs = 0;
  let commands = 0;
  for (let round = 0; round < rounds; round += 1) {
    const inMemory = await benchEngine(limits, new MemoryCommandLog());
    memory.push(await drive(inMemory));
    await inMemory.close();

    const dir = join(scratch, `throughput-${round}`);
    const journal = await openBenchJournal(dir, limits);
    const engine = await benchEngine(limits, journal, journal);
    const before = { ...journal.stats };
    journaled.push(await drive(engine));
    fsyncs += journal.stats.fsyncs - before.fsyncs;
    commands += journal.stats.commands - before.commands;
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `round ${round + 1}: none ${Math.round(memory.at(-1) as number)} ops/s, ` +
        `fsync ${Math.round(journaled.at(-1) as number)} ops/s`,
    );
  }
  return {
    opsPerRound,
    window: windowSize,
    noneOpsPerSecond: memory.map(Math.round),
    fsyncOpsPerSecond: journaled.map(Math.round),
    noneMedian: Math.round(median(memory)),
    fsyncMedian: Math.round(median(journaled)),
    ratioFsyncToNone: Number((median(journaled) / median(memory)).toFixed(3)),
    commandsPerFsync: Number((commands / Math.max(1, fsyncs)).toFixed(1)),
  };
}

async function recovery() {
  const dir = join(scratch, 'recovery');
  const writer = await openBenchJournal(dir, limits);
  const seed = new Uint8Array(16).fill(7);
  let seq = 0;
  const stamp = (command: StampedCommand['command'], withSeed = false): StampedCommand => ({
    seq: ++seq,
    atMs: 1_800_000_000_000 + seq,
    seed: withSeed ? seed : undefined,
    command,
  });
  const writeStarted = performance.now();
  await writer.append([
    stamp({ kind: 'ledger', type: 'createRaffle', id: 'main', name: 'Main' }, true),
  ]);
  for (let done = 1; done < recoveryCommands;) {
    const batch: StampedCommand[] = [];
    while (batch.length < 10_000 && done < recoveryCommands) {
      batch.push(
        stamp({
          kind: 'ledger',
          type: 'issue',
          raffleId: 'main',
          username: `user-${done % 100_000}`,
          count: 1 + (done % 5),
        }),
      );
      done += 1;
    }
    await writer.append(batch);
  }
  const writeMs = performance.now() - writeStarted;
  const journalBytes = listSegments(dir).reduce((sum, file) => sum + statSync(file.path).size, 0);
  // Abandoned, not closed: a close would write a snapshot, and recovery must replay it all.
  await writer.abandon();
  const replayStarted = performance.now();
  const replayed = await openBenchJournal(join(dir), limits);
  const replayMs = performance.now() - replayStarted;
  if (replayed.recovery.replayed !== recoveryCommands) {
    throw new Error(`replayed ${replayed.recovery.replayed} of ${recoveryCommands} commands`);
  }
  const snapshotStarted = performance.now();
  await replayed.close(); // writes a snapshot of the recovered state
  const snapshotMs = performance.now() - snapshotStarted;
  const fromSnapshotStarted = performance.now();
  const fromSnapshot = await openBenchJournal(dir, limits);
  const fromSnapshotMs = performance.now() - fromSnapshotStarted;
  const participants =
    fromSnapshot.stateMachine.stateOf<LedgerRaffles>(ledgerKind).get('main')?.participantCount ?? 0;
  await fromSnapshot.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    commands: recoveryCommands,
    journalBytes,
    participants,
    journalWriteMs: Math.round(writeMs),
    replayMs: Math.round(replayMs),
    replayCommandsPerSecond: Math.round(recoveryCommands / (replayMs / 1000)),
    snapshotWriteMs: Math.round(snapshotMs),
    recoveryFromSnapshotMs: Math.round(fromSnapshotMs),
  };
}

try {
  console.log(`machine: ${process.platform} ${process.arch}, node ${process.version}`);
  const fsyncFigures = await throughput();
  console.table([
    { durability: 'none (memory)', 'ops/s (median)': fsyncFigures.noneMedian, ratio: 1 },
    {
      durability: 'fsync (journal)',
      'ops/s (median)': fsyncFigures.fsyncMedian,
      ratio: fsyncFigures.ratioFsyncToNone,
    },
  ]);
  console.log(`commands per fsync (group commit): ${fsyncFigures.commandsPerFsync}`);
  const recoveryFigures = await recovery();
  console.table([recoveryFigures]);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    throughput: fsyncFigures,
    recovery: recoveryFigures,
  };
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`figures written to ${values.json}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
