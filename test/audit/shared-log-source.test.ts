/**
 * The audit export read from the shared log (etcd's contract, in memory): entries of several
 * commands, one entry repeating commands a writer retried, read back in ranges, give the same
 * export as the commands themselves, and it verifies; once the log is pruned behind a snapshot the
 * export is refused as pruned rather than started at a later command.
 */
import { describe, expect, it } from 'vitest';
import { AuditLogPrunedError, auditInitialLimits, exportLines } from '../../src/audit/export.js';
import { verifyLines } from '../../src/audit/verify.js';
import type { StampedCommand } from '../../src/engine/commands.js';
import { ledgerKind } from '../../src/kinds/ledger/kind.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { encodeEntry, encodeStamped } from '../../src/replication/log-entry.js';
import { HkdfSecretKeys } from '../../src/server/hkdf-secret-keys.js';
import { sharedLogAuditSource } from '../../src/server/audit-log.js';
import { seedSourceFor } from '../../src/server/seed-chains.js';
import { MemorySharedLog } from '../support/memory-shared-log.js';
import { RecordingLog } from '../support/server.js';

const registry = createKindRegistry();

async function recordedRun(): Promise<StampedCommand[]> {
  const log = new RecordingLog();
  const engine = await startRaffleEngine({
    rafflesMax: 10,
    participantsPerRaffleMax: 1_000,
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    queueLengthMax: 1_000,
    batchSizeMax: 10,
    log,
    seeds: seedSourceFor(new HkdfSecretKeys(Buffer.alloc(32, 5)), undefined),
  });
  for (let i = 0; i < 60; i += 1) {
    await engine.submit(ledgerKind.commands.issue, {
      raffleId: 'main',
      username: `u${i % 7}`,
      count: 2,
    });
    if (i % 9 === 8) await engine.submit(ledgerKind.commands.draw, { raffleId: 'main' });
  }
  await engine.close();
  return log.commands;
}

async function collect(source: AsyncIterable<StampedCommand> | Iterable<StampedCommand>) {
  const commands: StampedCommand[] = [];
  for await (const stamped of source) commands.push(stamped);
  return commands;
}

describe('audit export from the shared log', () => {
  it('entries read back in ranges give the export of the commands, and it verifies', async () => {
    const commands = await recordedRun();
    const log = new MemorySharedLog();
    let index = 1;
    const put = async (part: StampedCommand[]) => {
      const value = encodeEntry(
        { index, writer: 'w', nonce: `n${index}` },
        part.map(encodeStamped),
      );
      expect(await log.append(index, value, 10)).toEqual({ committed: true });
      index += 1;
    };
    for (let i = 0; i < commands.length; i += 3) {
      await put(commands.slice(i, i + 3));
      // A writer whose answer was lost appends the same commands again at the next index.
      if (i === 30) await put(commands.slice(i, i + 3));
    }
    const read = await collect(sharedLogAuditSource(log)());
    expect(read.map((c) => c.seq)).toEqual(commands.map((c) => c.seq));
    const fromLog = [...exportLines(read, registry, auditInitialLimits)];
    expect(fromLog).toEqual([...exportLines(commands, registry, auditInitialLimits)]);
    expect(verifyLines(fromLog, registry, auditInitialLimits)).toMatchObject({
      ok: true,
      draws: { ledger: 6 },
    });

    const snapshot = await log.putSnapshot(
      { index: 5, seq: 15, atMs: 0, writer: 'w' },
      Buffer.from('x'),
    );
    await log.prune(snapshot, []);
    const pruned = await collect(sharedLogAuditSource(log)());
    expect(() => [...exportLines(pruned, registry, auditInitialLimits)]).toThrow(
      AuditLogPrunedError,
    );
  });
});
