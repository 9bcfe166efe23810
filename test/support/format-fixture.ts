/**
 * A data directory written by an older version of the service, kept under `test/fixtures/<name>`
 * with the state that version reported (`expected.json`): copies of it to open, the journal
 * opened on a copy, and the check that the state loaded is the one expected. Shared by the tests
 * of every older journal format.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, expect } from 'vitest';
import { Journal } from '../../src/journal/journal.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { ledgerOf } from './ledger-commands.js';

export interface ExpectedState {
  appliedSeq: number;
  lastMs?: number;
  raffles: Record<string, { stats: unknown; balances: unknown[]; draws: unknown[] }>;
  answers: Record<string, unknown>;
}

export const fixtureLimits = { rafflesMax: 10, participantsPerRaffleMax: 1000 };

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
    Journal.open({
      dataDir,
      keepSegments,
      snapshotEveryCommands: 1_000_000,
      snapshotEveryBytes: 2 ** 40,
      logger: pino({ level: 'silent' }),
      initialLimits: fixtureLimits,
      registry: createKindRegistry(),
    });

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

  return { expected, copyOfFixture, open, expectExpectedState };
}
