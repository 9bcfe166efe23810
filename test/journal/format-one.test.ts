/**
 * A data directory written by the service before raffle kinds existed (journal format 1,
 * snapshot format 1, callers' idempotency keys kept as sent) still loads: from its snapshot plus
 * the journal after it, and from the journal alone, to the state the old version reported
 * (`expected.json`, written by that version beside the directory), and retried keyed requests
 * still get their first answers.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { idempotencyKeyDigest } from '../../src/engine/idempotency.js';
import { listSnapshots } from '../../src/journal/files.js';
import { Journal } from '../../src/journal/journal.js';
import { ledgerKind } from '../../src/kinds/ledger/kind.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { ledgerOf } from '../support/ledger-commands.js';

const fixture = join(import.meta.dirname, '../fixtures/format-1');
const expected = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8')) as {
  appliedSeq: number;
  raffles: Record<string, { stats: unknown; balances: unknown[]; draws: unknown[] }>;
  answers: Record<string, unknown>;
};
const limits = { rafflesMax: 10, participantsPerRaffleMax: 1000 };
const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function copyOfFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'raffle-format-1-'));
  directories.push(dir);
  cpSync(join(fixture, 'data'), dir, { recursive: true });
  return dir;
}

function open(dataDir: string): Promise<Journal> {
  return Journal.open({
    dataDir,
    snapshotEveryCommands: 1_000_000,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: limits,
    registry: createKindRegistry(),
  });
}

function expectExpectedState(journal: Journal): void {
  const machine = journal.stateMachine;
  expect(machine.appliedSeq).toBe(expected.appliedSeq);
  for (const [id, raffle] of Object.entries(expected.raffles)) {
    const ledger = ledgerOf(machine, id);
    expect(ledger?.stats()).toEqual(raffle.stats);
    expect([...(ledger?.balancesInOrder() ?? [])]).toEqual(raffle.balances);
    expect(ledger?.draws(0, 100).draws).toEqual(raffle.draws);
  }
  machine.checkInvariants();
}

describe('a data directory of format 1', () => {
  it('format 1: loads from its snapshot and the journal after it', async () => {
    const dir = copyOfFixture();
    const journal = await open(dir);
    expect(journal.recovery.snapshotSeq).toBe(10);
    expect(journal.recovery.replayed).toBe(expected.appliedSeq - 10);
    expectExpectedState(journal);
    await journal.abandon();
  });

  it('format 1: loads from the journal alone, to the same state', async () => {
    const dir = copyOfFixture();
    for (const snapshot of listSnapshots(dir)) rmSync(snapshot.path);
    const journal = await open(dir);
    expect(journal.recovery.snapshotSeq).toBe(0);
    expectExpectedState(journal);
    await journal.abandon();
  });

  it('format 1: keyed requests retried after the upgrade get their first answers', async () => {
    const dir = copyOfFixture();
    const journal = await open(dir);
    const engine = await startRaffleEngine({
      ...limits,
      defaultRaffleId: 'main',
      defaultRaffleName: 'Main raffle',
      queueLengthMax: 100,
      batchSizeMax: 10,
      log: journal,
      stateMachine: journal.stateMachine,
      // Within a day of the fixture's last command, so its idempotency records have not expired.
      clock: () => 1_790_000_100_000,
    });
    // One record came from the format-1 snapshot, the other from replaying the format-1 journal.
    const issue = await engine.submit(ledgerKind.commands.issue, {
      raffleId: 'main',
      username: 'dan',
      count: 2,
      idempotencyKey: idempotencyKeyDigest('before-snapshot'),
    });
    expect(issue).toEqual(expected.answers.keyedIssue);
    const draw = await engine.submit(ledgerKind.commands.draw, {
      raffleId: 'main',
      idempotencyKey: idempotencyKeyDigest('after-snapshot'),
    });
    // The replay of the format-1 journal recomputed this answer, which now also says where its
    // random bytes came from (`randomness`); everything the first answer held is unchanged.
    expect(draw).toMatchObject(expected.answers.keyedDraw as object);
    expect(
      draw.ok && (draw.value as { randomness?: { seq: number } }).randomness?.seq,
    ).toBeGreaterThan(0);
    // New writes go on in format 2 after the format-1 segments, and a restart reads both.
    await engine.submit(ledgerKind.commands.issue, { raffleId: 'spring', username: 'w', count: 1 });
    const seq = engine.stateMachine.appliedSeq;
    const digest = engine.stateMachine.digestText();
    await engine.close();
    const reopened = await open(dir);
    expect(reopened.stateMachine.appliedSeq).toBe(seq);
    expect(reopened.stateMachine.digestText()).toBe(digest);
    await reopened.abandon();
  });
});
