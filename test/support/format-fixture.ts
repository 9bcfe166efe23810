/**
 * A data directory written by an older version of the service, kept under `test/fixtures/<name>`
 * with the state that version reported (`expected.json`): copies of it to open, the journal
 * opened on a copy, and the check that the state loaded is the one expected. Shared by the tests
 * of every older journal format.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { listSnapshots } from '../../src/journal/files.js';
import type { Journal } from '../../src/journal/journal.js';
import { openTestJournal } from './journal-workload.js';
import { ledgerOf } from './ledger-commands.js';

export interface ExpectedState {
  appliedSeq: number;
  lastMs?: number;
  raffles: Record<string, { stats: unknown; balances: unknown[]; draws: unknown[] }>;
  answers: Record<string, unknown>;
}

export function formatFixture(name: string) {
  const fixture = join(import.meta.dirname, '../fixtures', name);
  const expected = JSON.parse(
    readFileSync(join(fixture, 'expected.json'), 'utf8'),
  ) as ExpectedState;
  const directories: string[] = [];
  afterEach(() => {
    for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh copy of the fixture's data directory, removed after the test. */
  const copyOfFixture = (): string => {
    const dir = mkdtempSync(join(tmpdir(), `raffle-${name}-`));
    directories.push(dir);
    cpSync(join(fixture, 'data'), dir, { recursive: true });
    return dir;
  };

  const open = (dataDir: string, keepSegments = false): Promise<Journal> =>
    openTestJournal(dataDir, { keepSegments });

  /** The state the old version reported: sequence, and every raffle's figures and draws. */
  const expectExpectedState = (journal: Journal): void => {
    const machine = journal.stateMachine;
    expect(machine.appliedSeq).toBe(expected.appliedSeq);
    for (const [id, raffle] of Object.entries(expected.raffles)) {
      const ledger = ledgerOf(machine, id);
      expect(ledger?.stats()).toEqual(raffle.stats);
      expect([...(ledger?.balancesInOrder() ?? [])]).toEqual(raffle.balances);
      expect(ledger?.draws(0, 100).draws).toEqual(raffle.draws);
    }
    machine.checkInvariants();
  };

  /**
   * The two loads every older format must pass: from its snapshot (taken at command
   * `snapshotSeq`) plus the journal after it, and from the journal alone.
   */
  const itLoadsAsWritten = (label: string, snapshotSeq: number): void => {
    it(`${label}: loads from its snapshot and the journal after it`, async () => {
      const journal = await open(copyOfFixture());
      expect(journal.recovery.snapshotSeq).toBe(snapshotSeq);
      expect(journal.recovery.replayed).toBe(expected.appliedSeq - snapshotSeq);
      expect(journal.recovery.tornBytesCut).toBe(0);
      expectExpectedState(journal);
      await journal.abandon();
    });

    it(`${label}: loads from the journal alone, to the same state`, async () => {
      const dir = copyOfFixture();
      for (const snapshot of listSnapshots(dir)) rmSync(snapshot.path);
      const journal = await open(dir);
      expect(journal.recovery.snapshotSeq).toBe(0);
      expectExpectedState(journal);
      await journal.abandon();
    });
  };

  return { expected, copyOfFixture, open, itLoadsAsWritten };
}
