/**
 * A data directory written by the service before raffle kinds existed (journal format 1,
 * snapshot format 1, callers' idempotency keys kept as sent) still loads: from its snapshot plus
 * the journal after it, and from the journal alone, to the state the old version reported
 * (`expected.json`, written by that version beside the directory), and retried keyed requests
 * still get their first answers.
 */
import { describe, expect, it } from 'vitest';
import { idempotencyKeyDigest } from '../../src/engine/idempotency.js';
import { ledgerKind } from '../../src/kinds/ledger/kind.js';
import { engineOver } from '../support/journal-workload.js';
import { formatFixture } from '../support/format-fixture.js';

const { expected, copyOfFixture, open, itLoadsAsWritten } = formatFixture('format-1');

describe('a data directory of format 1', () => {
  itLoadsAsWritten('format 1', 10);

  it('format 1: keyed requests retried after the upgrade get their first answers', async () => {
    const dir = copyOfFixture();
    const journal = await open(dir);
    // Within a day of the fixture's last command, so its idempotency records have not expired.
    const engine = await engineOver(journal, journal, () => 1_790_000_100_000);
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
