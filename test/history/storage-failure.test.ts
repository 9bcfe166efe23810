/**
 * A recorded history across a disk failure and a restart, judged by the history checkers.
 *
 * 16 clients run against the whole service on the real disk with a fault injected in front of
 * it: one fdatasync of the journal fails with EIO after its data reached the disk. The callers of
 * that batch are answered 503 `storage_failed`; the clients then wait while the service restarts on
 * the same directory (recovering the batch, which is on disk though never acknowledged), and go on
 * against the new process. The whole history must be linearizable and conserve tickets, with the
 * `storage_failed` answers as operations of unknown outcome: taking them for refusals (which
 * certainly did not take effect) would make the recovered batch look like tickets from nowhere,
 * and the checkers would reject the history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConservation } from '../../load/history/conservation.js';
import { pairOperations } from '../../load/history/events.js';
import { conservationLaws } from '../../load/history/laws.js';
import { checkLinearizability } from '../../load/history/linearizability.js';
import { recordLedgerHistory } from '../../load/history/record-ledger.js';
import { httpTransport, type HttpTransport, type Transport } from '../../load/history/transport.js';
import { nodeFileSystem } from '../../src/journal/file-system.js';
import type { RunningServer } from '../../src/server/server.js';
import { faultAt, FaultyFileSystem } from '../support/faulty-file-system.js';
import { startTestServer } from '../support/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'raffle-history-faults-'));
const servers: RunningServer[] = [];

afterAll(async () => {
  for (const running of servers) await running.close().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Fewer clients than the other recordings: every request in flight when the fdatasync fails is
 * answered storage_failed, and each is a choice for the search at every step, so 64 of them at one
 * moment can take the search past its bound (undecided) instead of deciding.
 */
const clients = 16;

describe('a history across a failed fdatasync and a restart', () => {
  it('is linearizable and conserved, with storage_failed answers of unknown outcome', async () => {
    const faulty = new FaultyFileSystem(
      nodeFileSystem,
      faultAt(
        8,
        { kind: 'eio', reached: true },
        (call) => call.op === 'datasync' && call.path.endsWith('.log'),
      ),
    );
    const first = await startTestServer({ durability: 'fsync', dataDir }, { fileSystem: faulty });
    servers.push(first);
    let http: HttpTransport = httpTransport({ baseUrl: first.url });
    await http.warmUp(clients);

    // After the first storage_failed answer, requests wait for the restarted service.
    let restarted: Promise<void> | undefined;
    const restart = async (): Promise<void> => {
      await first.engine.failed;
      await first.close().catch(() => undefined);
      const second = await startTestServer({ durability: 'fsync', dataDir });
      servers.push(second);
      http.close();
      http = httpTransport({ baseUrl: second.url });
    };
    const send: Transport = async (request) => {
      if (restarted !== undefined) await restarted;
      const answer = await http.send(request);
      if (answer.status === 503 && answer.body.includes('storage_failed')) restarted ??= restart();
      return answer;
    };

    const recorded = await recordLedgerHistory({
      transport: send,
      clients,
      operations: 1_500,
      seed: 14_04,
    });
    http.close();
    expect(faulty.injected, `${faulty.calls} calls`).toHaveLength(1);
    expect(servers).toHaveLength(2);
    const operations = pairOperations(recorded.recorder.events);
    const unknown = operations.filter((op) => op.completion === 'info');
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.every((op) => String(op.output.error).includes('storage_failed'))).toBe(true);
    // Operations were answered after the restart too.
    const lastUnknown = Math.max(...unknown.map((op) => op.op));
    expect(
      operations.filter((op) => op.op > lastUnknown && op.completion === 'ok').length,
    ).toBeGreaterThan(300);

    const linearizability = checkLinearizability(operations);
    expect(linearizability.valid, `${unknown.length} unknown`).toBe(true);
    const conservation = checkConservation(recorded.recorder.events, conservationLaws);
    expect(conservation.valid, JSON.stringify(conservation.first)).toBe(true);

    // Read as refusals instead, the issues of the failed batch, recovered after the restart,
    // are tickets from nowhere: the checkers reject the same history.
    if (unknown.some((op) => op.f === 'issue')) {
      const asRefusals = recorded.recorder.events.map((event) =>
        event.type === 'info'
          ? { ...event, type: 'fail' as const, value: { reason: 'storage_failed', status: 503 } }
          : event,
      );
      const strict = checkLinearizability(pairOperations(asRefusals));
      expect(strict.valid).toBe(false);
    }
  }, 120_000);
});
