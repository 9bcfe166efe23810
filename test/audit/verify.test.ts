/**
 * The audit export and the offline verifier: a log written by a real engine and journal exports
 * and verifies; each kind of tampering — an edited winner, a dropped record, two swapped records,
 * a changed seed (with or without the chain recomputed), a truncated file — is caught and named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, genesisHash } from '../../src/audit/chain.js';
import { exportLines, journalPayloads } from '../../src/audit/export.js';
import { verifyLines } from '../../src/audit/verify.js';
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
let chainNonce: string;
const keys = new HkdfSecretKeys(Buffer.alloc(32, 3));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'raffle-audit-'));
  const journal = await Journal.open({
    dataDir,
    snapshotEveryCommands: 1_000_000,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: limits,
    registry,
  });
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
        } as { raffleId: string }),
      );
    }
    if (i % 40 === 0) await Promise.all(work.splice(0));
  }
  await Promise.all(work);
  liveDigest = engine.stateMachine.digest();
  chainNonce = engine.stateMachine.seedCommitment?.nonce ?? '';
  await engine.close();
  lines = [...exportLines(journalPayloads(dataDir), registry, limits)];
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const verify = (exported: string[]) => verifyLines(exported, registry, limits);
const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const recordLines = () =>
  parsed()
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => 'record' in line);

describe('audit export and verifier', () => {
  it('verify: an untouched export holds, and reaches the live state digest', () => {
    const report = verify(lines);
    expect(report).toMatchObject({ ok: true, digest: liveDigest });
    if (!report.ok) return;
    expect(report.seeded['ledger.draw']).toBe(24);
    expect(report.seeded['ledger.createRaffle']).toBe(1);
    expect(report.beacons).toBe(4);
    expect(report.seedChains).toBe(1);
    expect(report.records).toBeGreaterThan(3);
  });

  it('tamper: an edited winner is named', () => {
    const edited = parsed();
    const target = recordLines().find(({ line }) =>
      (line.outcomes as { ok: boolean; value?: { username?: string } }[]).some(
        (outcome) => outcome.ok && outcome.value?.username !== undefined,
      ),
    );
    const outcomes = edited[target!.index]!.outcomes as {
      ok: boolean;
      value: { username?: string };
    }[];
    const draw = outcomes.find((outcome) => outcome.ok && outcome.value.username !== undefined)!;
    draw.value.username = draw.value.username === 'p1' ? 'p2' : 'p1';
    const report = verify(edited.map((line) => JSON.stringify(line)));
    expect(report).toMatchObject({ ok: false, line: target!.index + 1 });
    expect(!report.ok && report.reason).toMatch(/the export shows .*, the replay gives/);
  });

  it('tamper: a dropped record and two swapped records break the chain', () => {
    const records = recordLines();
    const dropped = lines.filter((_, index) => index !== records[1]!.index);
    expect(verify(dropped)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/prev hash/),
    });
    const swapped = [...lines];
    const [a, b] = [records[1]!.index, records[2]!.index];
    [swapped[a], swapped[b]] = [swapped[b]!, swapped[a]!];
    expect(verify(swapped)).toMatchObject({
      ok: false,
      line: a + 1,
      reason: expect.stringMatching(/prev hash/),
    });
  });

  it('tamper: a changed seed is caught by the hash, and by the commitment when the chain is redone', () => {
    const edited = parsed();
    const target = recordLines().find(({ line }) =>
      JSON.stringify(line.record).includes('"type":"draw"'),
    )!;
    const record = edited[target.index]!.record as {
      commands: { seed?: string; command: { type: string } }[];
    };
    const draw = record.commands.find((stamped) => stamped.command.type === 'draw')!;
    draw.seed = Buffer.alloc(32, 9).toString('base64');
    const report = verify(edited.map((line) => JSON.stringify(line)));
    expect(report).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/hash does not match its content/),
    });

    // The same edit with every hash after it recomputed: the chain holds, the seed does not.
    let hash = genesisHash;
    const rechained = edited.map((line) => {
      if (!('record' in line)) return line;
      const prev = hash.toString('hex');
      hash = chainHash(hash, Buffer.from(JSON.stringify(line.record)));
      return { ...line, prev, hash: hash.toString('hex') };
    });
    const again = verify(rechained.map((line) => JSON.stringify(line)));
    expect(again).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not the next link of the chain committed/),
    });
    expect(!again.ok && again.seq).toBeGreaterThan(0);
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
