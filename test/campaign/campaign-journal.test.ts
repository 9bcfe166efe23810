/**
 * Campaigns through the real journal: draws and redemptions journaled with snapshots taken in
 * between, then the data directory reopened from its newest snapshot and the journal after it:
 * the state's digest and the answers must be the same, invariants included, and a coupon redeemed
 * before the restart stays redeemed. (Full replays of the stamped log are in the property test.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { campaignKind } from '../../src/kinds/campaign/kind.js';
import { Engine } from '../../src/engine/engine.js';
import { Journal } from '../../src/journal/journal.js';
import { listSnapshots } from '../../src/journal/files.js';
import { createKindRegistry } from '../../src/kinds/registry.js';

const limits = { rafflesMax: 10, participantsPerRaffleMax: 1000 };
const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(dataDir: string, clock: () => number, snapshotEveryCommands = 25) {
  const journal = await Journal.open({
    dataDir,
    snapshotEveryCommands,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: limits,
    registry: createKindRegistry(),
  });
  const engine = await Engine.start({
    ...limits,
    registry: createKindRegistry(),
    queueLengthMax: 1000,
    batchSizeMax: 7,
    log: journal,
    stateMachine: journal.stateMachine,
    clock,
  });
  return engine;
}

describe('campaigns in the journal', () => {
  it('snapshot and replay: the same state and answers after reopening', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raffle-campaign-journal-'));
    directories.push(dataDir);
    let now = Date.UTC(2027, 2, 13, 20);
    const engine = await open(dataDir, () => now);
    const created = await engine.submit(campaignKind.commands.createCampaign, {
      id: 'j',
      name: 'Journal',
      startsAtMs: Date.UTC(2027, 0, 1),
      endsAtMs: Date.UTC(2028, 0, 1),
      timeZone: 'America/New_York',
      prizes: [
        { id: 'a', name: 'A', probability: 0.4, quotaTotal: 30, quotaDaily: 4 },
        { id: 'b', name: 'B', probability: 0.3, quotaTotal: 10, quotaDaily: 10 },
      ],
    });
    expect(created.ok).toBe(true);
    const codes: string[] = [];
    for (let day = 0; day < 5; day += 1) {
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          engine.submit(campaignKind.commands.draw, {
            campaignId: 'j',
            phone: `+1415555${1000 + i}`,
            coupon: { tag: `tag-${day}-${i}`, seal: `seal-${day}-${i}` },
          }),
        ),
      );
      for (const answer of answers)
        if (answer.ok && answer.value.coupon) codes.push(answer.value.coupon.tag);
      now += 7 * 3_600_000;
    }
    for (const code of codes.slice(0, 3)) {
      expect(
        (await engine.submit(campaignKind.commands.redeem, { campaignId: 'j', couponTag: code }))
          .ok,
      ).toBe(true);
    }
    const digest = engine.stateMachine.digestText();
    const view = await engine.query(campaignKind.queries.getCampaign, {
      campaignId: 'j',
      nowMs: now,
    });
    await engine.close();
    expect(listSnapshots(dataDir).length).toBeGreaterThan(0);

    const reopened = await open(dataDir, () => now);
    reopened.stateMachine.checkInvariants();
    expect(reopened.stateMachine.digestText()).toBe(digest);
    expect(
      await reopened.query(campaignKind.queries.getCampaign, { campaignId: 'j', nowMs: now }),
    ).toEqual(view);
    const again = await reopened.submit(campaignKind.commands.redeem, {
      campaignId: 'j',
      couponTag: codes[0] as string,
    });
    expect(again.ok ? 'ok' : again.reason).toBe('coupon_already_redeemed');
    await reopened.close();
  });
});
