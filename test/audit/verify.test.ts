/**
 * The live audit chain, the export and the offline verifier, on a log written by a real engine
 * and journal that snapshots as it goes: the chain head after a restart (snapshot, then replay of
 * the tail) is the head of a replay from the first command; an untouched export verifies and
 * reaches the live digest; pages join into the whole; each tampering — an edited winner, a
 * dropped record, two swapped records, a changed seed (with or without every later hash redone),
 * a truncated file — is caught and named.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLines, journalCommands } from '../../src/audit/export.js';
import { verifyLines } from '../../src/audit/verify.js';
import { chainHash, genesisHash, type AuditEntry } from '../../src/engine/audit-chain.js';
import { idempotencyKeyDigest } from '../../src/engine/idempotency.js';
import { Journal } from '../../src/journal/journal.js';
import { ledgerKind } from '../../src/kinds/ledger/kind.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { HkdfSecretKeys } from '../../src/server/hkdf-secret-keys.js';
import { seedSourceFor } from '../../src/server/seed-chains.js';

const limits = { rafflesMax: 10, participantsPerRaffleMax: 1_000 };
const registry = createKindRegistry();
let dataDir: string;
let lines: string[];
let liveDigest: string;
let liveHead: { seq: number; head: string };
let restartedHead: { seq: number; head: string };
let snapshotSeq: number;
let chainNonce: string;
const keys = new HkdfSecretKeys(Buffer.alloc(32, 3));

const open = () =>
  Journal.open({
    dataDir,
    snapshotEveryCommands: 60,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: limits,
    registry,
    keepSegments: true,
  });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'raffle-audit-'));
  const journal = await open();
  const engine = await startRaffleEngine({
    ...limits,
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    queueLengthMax: 1_000,
    batchSizeMax: 50,
    log: journal,
    stateMachine: journal.stateMachine,
    seeds: seedSourceFor(keys, undefined),
  });
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 200; i += 1) {
    work.push(
      engine.submit(ledgerKind.commands.issue, {
        raffleId: 'main',
        username: `p${i % 23}`,
        count: 1 + (i % 4),
      }),
    );
    if (i % 10 === 9) work.push(engine.submit(ledgerKind.commands.draw, { raffleId: 'main' }));
    if (i % 50 === 49) {
      work.push(
        engine.submit(ledgerKind.commands.draw, {
          raffleId: 'main',
          beacon: `drand:${i}:cafe`,
          idempotencyKey: idempotencyKeyDigest(`draw-${i}`),
        }),
      );
    }
    if (i % 40 === 0) await Promise.all(work.splice(0));
  }
  await Promise.all(work);
  liveDigest = engine.stateMachine.digest();
  liveHead = engine.stateMachine.auditHead;
  chainNonce = engine.stateMachine.seedCommitment?.nonce ?? '';
  await engine.close();
  // A restart from the newest snapshot and the journal's tail (the final snapshot is abandoned,
  // as after a crash, so the tail is replayed).
  const reopened = await open();
  restartedHead = reopened.stateMachine.auditHead;
  snapshotSeq = reopened.recovery.snapshotSeq;
  await reopened.abandon();
  lines = [...exportLines(journalCommands(dataDir), registry, limits)];
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const verify = (exported: string[]) => verifyLines(exported, registry, limits);
interface RecordLine {
  seq: number;
  prev: string;
  hash: string;
  entry: AuditEntry & { command: { type: string }; outcome?: { ok: boolean; value?: unknown } };
}
const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const recordIndices = () =>
  parsed()
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => 'entry' in line)
    .map(({ index }) => index);
/** Every hash from the first record on recomputed, as a forger would. */
const rechained = (edited: Record<string, unknown>[]) => {
  let hash = genesisHash;
  return edited.map((line) => {
    if (!('entry' in line)) return JSON.stringify(line);
    const prev = hash;
    hash = chainHash(hash, line.entry as AuditEntry);
    return JSON.stringify({ ...line, prev, hash });
  });
};

describe('audit chain, export and verifier', () => {
  it('chain: the head after a snapshot and a replay of the tail is the head of a whole replay', () => {
    expect(readdirSync(dataDir).some((name) => name.startsWith('snapshot-'))).toBe(true);
    expect(snapshotSeq).toBeGreaterThan(0);
    expect(restartedHead).toEqual(liveHead);
    const trailer = JSON.parse(lines.at(-1)!) as { head: string; seq: number; digest: string };
    expect({ seq: trailer.seq, head: trailer.head }).toEqual(liveHead);
    expect(trailer.digest).toBe(liveDigest);
  });

  it('verify: an untouched export holds, and reaches the live head and digest', () => {
    const report = verify(lines);
    expect(report).toMatchObject({ ok: true, digest: liveDigest, head: liveHead.head });
    if (!report.ok) return;
    expect(report.draws).toEqual({ ledger: 24 });
    expect(report.seeded['ledger.createRaffle']).toBe(1);
    expect(report.beacons).toBe(4);
    expect(report.seedChains).toBe(1);
    expect(report.records).toBe(liveHead.seq);
  });

  it('export: pages of a range join into the whole', () => {
    const pages: string[] = [];
    let from = 1;
    for (;;) {
      const page = [
        ...exportLines(journalCommands(dataDir), registry, limits, { from, limit: 37 }),
      ];
      const trailer = JSON.parse(page.at(-1)!) as { more: boolean; seq: number };
      expect(page.length - 2).toBeLessThanOrEqual(37);
      if (from === 1) pages.push(page[0]!);
      pages.push(...page.slice(1, -1));
      if (!trailer.more) {
        pages.push(page.at(-1)!);
        break;
      }
      from = trailer.seq + 1;
    }
    expect(pages).toEqual(lines);
  });

  it('tamper: an edited winner is caught by the hash, and by the replay when the chain is redone', () => {
    const edited = parsed();
    const index = recordIndices().find((i) => {
      const { entry } = edited[i] as unknown as RecordLine;
      return entry.command.type === 'draw' && entry.outcome?.ok === true;
    })!;
    const { entry, seq } = edited[index] as unknown as RecordLine;
    const value = entry.outcome!.value as { username: string };
    value.username = value.username === 'p1' ? 'p2' : 'p1';
    expect(verify(edited.map((line) => JSON.stringify(line)))).toMatchObject({
      ok: false,
      line: index + 1,
      seq,
      reason: expect.stringMatching(/hash does not match its entry/),
    });
    expect(verify(rechained(edited))).toMatchObject({
      ok: false,
      line: index + 1,
      seq,
      reason: expect.stringMatching(/ledger\.draw: the export shows .*p[12].*, the replay gives/),
    });
  });

  it('tamper: a dropped record and two swapped records are named', () => {
    const records = recordIndices();
    const dropped = lines.filter((_, index) => index !== records[5]);
    expect(verify(dropped)).toMatchObject({
      ok: false,
      line: records[5]! + 1,
      reason: expect.stringMatching(/expected command 6, found 7/),
    });
    const swapped = [...lines];
    const [a, b] = [records[7]!, records[8]!];
    [swapped[a], swapped[b]] = [swapped[b]!, swapped[a]!];
    expect(verify(swapped)).toMatchObject({
      ok: false,
      line: a + 1,
      reason: expect.stringMatching(/expected command 8, found 9/),
    });
    // Renumbered to hide the gap, the chain still breaks.
    const renumbered = parsed()
      .filter((_, index) => index !== records[5])
      .map((line) =>
        typeof line.seq === 'number' && line.seq > 6 ? { ...line, seq: line.seq - 1 } : line,
      );
    expect(verify(renumbered.map((line) => JSON.stringify(line)))).toMatchObject({
      ok: false,
      line: records[5]! + 1,
    });
  });

  it('tamper: a changed seed is caught by the hash, and by the commitment when the chain is redone', () => {
    const edited = parsed();
    const index = recordIndices().find(
      (i) => (edited[i] as unknown as RecordLine).entry.command.type === 'draw',
    )!;
    const { entry, seq } = edited[index] as unknown as RecordLine;
    entry.seed = Buffer.alloc(32, 9).toString('base64');
    expect(verify(edited.map((line) => JSON.stringify(line)))).toMatchObject({
      ok: false,
      seq,
      reason: expect.stringMatching(/hash does not match its entry/),
    });
    expect(verify(rechained(edited))).toMatchObject({
      ok: false,
      seq,
      reason: expect.stringMatching(/not the next link of the chain committed/),
    });
  });

  it('tamper: a truncated file is caught, whole lines or mid-line', () => {
    expect(verify(lines.slice(0, -1))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/cut short/),
    });
    const last = lines.length - 2;
    const cut = [...lines.slice(0, last), lines[last]!.slice(0, 40)];
    expect(verify(cut)).toMatchObject({
      ok: false,
      line: last + 1,
      reason: expect.stringMatching(/not JSON/),
    });
    expect(verify(lines.slice(0, 3))).toMatchObject({ ok: false });
  });

  it('export: holds no idempotency key and no secret of the seed chain', () => {
    const text = lines.join('\n');
    expect(text).not.toContain('draw-49');
    // The chain's secret (its last link) is never stamped while the chain lasts: the export holds
    // only the links used so far, and nothing from which the next ones follow.
    const secret = Buffer.from(keys.derive(`seed-chain/${chainNonce}`));
    expect(chainNonce).toMatch(/^[0-9a-f]{32}$/);
    expect(text).not.toContain(secret.toString('base64'));
    expect(text).not.toContain(secret.toString('hex'));
  });
});
