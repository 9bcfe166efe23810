/**
 * The engine the in-process benchmarks drive: every registered kind, a journal that never
 * snapshots during a run (so a snapshot's pause does not land in one measurement and not in
 * another), and a queue deep and wide enough that the driver's window, not the queue, sets the
 * pace. One definition, so benchmarks of different kinds measure the same machinery.
 */
import pino from 'pino';
import type { CommandLog } from '../src/engine/command-log.js';
import type { Engine } from '../src/engine/engine.js';
import { Journal } from '../src/journal/journal.js';
import { createKindRegistry } from '../src/kinds/registry.js';
import { startRaffleEngine } from '../src/kinds/start-engine.js';

export interface BenchLimits {
  rafflesMax: number;
  participantsPerRaffleMax: number;
}

const logger = pino({ level: 'silent' });

/** A journal in `dataDir` that snapshots only when closed. */
export function openBenchJournal(dataDir: string, limits: BenchLimits): Promise<Journal> {
  return Journal.open({
    dataDir,
    snapshotEveryCommands: 1_000_000_000,
    snapshotEveryBytes: 2 ** 40,
    logger,
    initialLimits: limits,
    registry: createKindRegistry(),
  });
}

/** An engine on `log`, starting from the journal's recovered state when one is given. */
export function benchEngine(
  limits: BenchLimits,
  log: CommandLog,
  journal?: Journal,
): Promise<Engine> {
  return startRaffleEngine({
    ...limits,
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    queueLengthMax: 1_000_000,
    batchSizeMax: 10_000,
    log,
    stateMachine: journal?.stateMachine,
  });
}

/** A journal in `dataDir` and an engine on it. */
export async function journaledEngine(
  dataDir: string,
  limits: BenchLimits,
): Promise<{ engine: Engine; journal: Journal }> {
  const journal = await openBenchJournal(dataDir, limits);
  return { engine: await benchEngine(limits, journal, journal), journal };
}
