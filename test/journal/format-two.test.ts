/**
 * A data directory written by the version before journal format 3 (format 2: each record a whole
 * batch, no end records; made by that version, `expected.json` beside it) still loads, from its
 * snapshot plus the journal after it and from the journal alone; retried keyed requests get their
 * first answers; format-3 batches are appended after it and a restart reads both; and a torn last
 * format-2 record is cut as before.
 */
import { readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { idempotencyKeyDigest } from '../../src/engine/idempotency.js';
import { listSegments, listSnapshots } from '../../src/journal/files.js';
import { ledgerKind } from '../../src/kinds/ledger/kind.js';
import { engineOver } from '../support/journal-workload.js';
import { formatFixture } from '../support/format-fixture.js';

const { expected, copyOfFixture, open, itLoadsAsWritten } = formatFixture('format-2');

describe('a data directory of format 2', () => {
  itLoadsAsWritten('format 2', 10);

  it('format 2: a torn last record is cut, and the records before it are kept', async () => {
    const dir = copyOfFixture();
    for (const snapshot of listSnapshots(dir)) rmSync(snapshot.path);
    const last = listSegments(dir).at(-1)!;
    const size = statSync(last.path).size;
    truncateSync(last.path, size - 9);
    const journal = await open(dir);
    expect(journal.stateMachine.appliedSeq).toBe(expected.appliedSeq - 1);
    expect(journal.recovery.tornBytesCut).toBeGreaterThan(0);
    expect(statSync(last.path).size).toBe(size - 9 - journal.recovery.tornBytesCut);
    await journal.abandon();
  });

  it('format 2: keyed requests retried get their first answers; format 3 goes on after it', async () => {
    const dir = copyOfFixture();
    // Segments kept past the closing snapshot, so the log can be replayed from its first command.
    const journal = await open(dir, true);
    // Within a day of the fixture's last command, so its idempotency records have not expired.
    const engine = await engineOver(journal, journal, () => (expected.lastMs ?? 0) + 60_000);
    // One record came from the format-2 snapshot, the other from replaying the format-2 journal.
    const issue = await engine.submit(ledgerKind.commands.issue, {
      raffleId: 'main',
      username: 'carol',
      count: 5,
      idempotencyKey: idempotencyKeyDigest('f2-before-snapshot'),
    });
    expect(issue).toEqual(expected.answers.keyedIssue);
    const draw = await engine.submit(ledgerKind.commands.draw, {
      raffleId: 'spring',
      idempotencyKey: idempotencyKeyDigest('f2-after-snapshot'),
    });
    expect(draw).toEqual(expected.answers.keyedDraw);
    await Promise.all(
      ['p', 'q', 'r'].map((username) =>
        engine.submit(ledgerKind.commands.issue, { raffleId: 'spring', username, count: 1 }),
      ),
    );
    const seq = engine.stateMachine.appliedSeq;
    expect(seq).toBeGreaterThanOrEqual(expected.appliedSeq + 3);
    const digest = engine.stateMachine.digestText();
    await engine.close();
    for (const snapshot of listSnapshots(dir)) rmSync(snapshot.path);
    // Now segments of format 2, then format 3: a replay from the first command reads both.
    const newest = readFileSync(listSegments(dir).at(-1)!.path, 'utf8');
    expect(newest).toContain('"journal":3');
    const reopened = await open(dir);
    expect(reopened.recovery.snapshotSeq).toBe(0);
    expect(reopened.stateMachine.appliedSeq).toBe(seq);
    expect(reopened.stateMachine.digestText()).toBe(digest);
    await reopened.abandon();
  });
});
