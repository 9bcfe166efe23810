/**
 * The journal's fdatasync observer (how `/metrics` times each batch's wait): told once per fsync
 * with the wait in seconds, and unable to fail the journal. An observer that throws is logged,
 * the batch it was told of stays acknowledged, later batches are taken, and a reopened journal
 * recovers all of them.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ledgerKind } from '../../src/kinds/ledger/kind.js';
import { engineOver, openTestJournal } from '../support/journal-workload.js';
import { temporaryDirectories } from '../support/temp-dirs.js';

const freshDirectory = temporaryDirectories('raffle-observer-');

const issue = { raffleId: 'main', username: 'ann', count: 2 };

describe('fdatasync observer', () => {
  it('is told each fsync’s wait, in seconds', async () => {
    const journal = await openTestJournal(freshDirectory());
    const waits: number[] = [];
    journal.onDatasync = (seconds) => waits.push(seconds);
    const engine = await engineOver(journal);
    for (let i = 0; i < 3; i += 1) await engine.submit(ledgerKind.commands.issue, issue);
    expect(waits).toHaveLength(journal.stats.fsyncs);
    expect(waits.length).toBeGreaterThanOrEqual(3);
    for (const seconds of waits) expect(seconds).toBeGreaterThanOrEqual(0);
    await engine.close();
  });

  it('cannot fail the journal: a throwing observer is logged and every batch stays durable', async () => {
    const dataDir = freshDirectory();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const journal = await openTestJournal(dataDir, { logger });
    journal.onDatasync = () => {
      throw new Error('observer broke');
    };
    const engine = await engineOver(journal);
    for (let i = 0; i < 3; i += 1) {
      const outcome = await engine.submit(ledgerKind.commands.issue, issue);
      expect(outcome.ok).toBe(true);
    }
    expect(journal.failure).toBeUndefined();
    expect(lines.some((line) => line.includes('the fdatasync observer failed'))).toBe(true);
    await engine.close();

    const reopened = await openTestJournal(dataDir);
    const again = await engineOver(reopened);
    const figures = await again.query(ledgerKind.queries.getParticipant, {
      raffleId: 'main',
      username: 'ann',
    });
    expect(figures).toMatchObject({ ok: true, value: { tickets: 6 } });
    await again.close();
  });
});
