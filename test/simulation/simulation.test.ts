/**
 * The deterministic simulation (`load/simulation/world.ts`) on a fixed set of seeds, as CI runs
 * it: the engine, queue and journal on a simulated clock and disk, with power cuts at any step,
 * torn writes, lost unsynced writes, reordered directory entries and injected disk faults, checked
 * against the reference model after every round and every recovery; and the same seeds again with
 * holes in the unsynced writes of the last batch, which must all recover too.
 *
 * Every seed must come out valid, and between them they must reach every kind of event (or the
 * seeds prove less than they seem), campaigns' wins, spent quotas and refusals among them. A seed must replay exactly: the same fingerprint, twice. A
 * planted bug — a disk whose segment fdatasync does nothing — must be caught, with the seed and a
 * one-line replay command. And the script prints its seeds and a verdict line.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate, type SimulationResult } from '../../load/simulation/world.js';
import { repositoryRoot } from '../../load/runner/server-process.js';

const seeds = Array.from({ length: 12 }, (_, i) => 20_261_129 + i);
/**
 * The seeds with holes: the suite's seeds and those after them, until three holes have started in
 * an earlier record of a batch (at most 40 seeds). Which seeds cut inside a batch is chance, and
 * any change to the workload draws them anew; going on until enough did keeps the test's intent
 * without picking seeds by hand.
 */
const holeSeedsMax = 40;
const midBatchHolesWanted = 3;

const replay = (result: SimulationResult) =>
  `seed ${result.seed}: ${result.failure}\n  replay: npm run simulate -- --seed ${result.seed}`;

describe('deterministic simulation', () => {
  it('a fixed set of seeds: every answer, state and recovery agrees with the model', async () => {
    const totals = { answers: 0, powerCuts: 0, tornWrites: 0, stops: 0, faults: 0, commands: 0 };
    const campaignCases = new Map<string, number>();
    for (const seed of seeds) {
      const result = await simulate({ seed });
      expect(result.valid, replay(result)).toBe(true);
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result[key];
      for (const [key, count] of Object.entries(result.campaignCases))
        campaignCases.set(key, (campaignCases.get(key) ?? 0) + count);
    }
    // Campaigns were driven through each of their cases, refusals included, and a phone drew
    // again on a later day of its campaign (the clock's jumps cross the zones' midnights).
    for (const reached of [
      'createCampaign ok',
      'createCampaign campaign_id_taken',
      'createCampaign probabilities_exceed_one',
      'createCampaign invalid_input',
      'draw won',
      'draw nothing_picked',
      'draw quota_spent',
      'draw already_drawn_today',
      'draw campaign_not_active',
      'draw campaign_not_found',
      'redeem ok',
      'redeem coupon_already_redeemed',
      'redeem coupon_not_found',
      'getCampaign ok',
      'phoneDraws ok',
    ]) {
      expect(campaignCases.get(reached) ?? 0, reached).toBeGreaterThan(0);
    }
    const later = [...campaignCases].filter(([key]) => key.endsWith('on a later day'));
    expect(later.length, 'a draw on a later day').toBeGreaterThan(0);
    expect(totals.answers).toBeGreaterThan(800);
    expect(totals.commands).toBeGreaterThan(500);
    expect(totals.powerCuts).toBeGreaterThan(25);
    expect(totals.tornWrites).toBeGreaterThan(5);
    expect(totals.stops).toBeGreaterThan(5);
    expect(totals.faults).toBeGreaterThan(5);
  }, 60_000);

  it('a seed replays exactly, and another seed runs otherwise', async () => {
    const first = await simulate({ seed: 7 });
    const again = await simulate({ seed: 7 });
    const other = await simulate({ seed: 8 });
    expect(again).toEqual(first);
    expect(other.fingerprint).not.toBe(first.fingerprint);
  });

  it('a disk that acknowledges syncs it never made is caught', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((seed) => simulate({ seed, lyingDisk: true })),
    );
    const caught = results.filter((result) => !result.valid);
    expect(caught.length).toBeGreaterThan(0);
    for (const result of caught) expect(result.failure).toMatch(/was acknowledged/);
    // The failure replays exactly.
    const again = await simulate({ seed: caught[0]!.seed, lyingDisk: true });
    expect(again.failure).toBe(caught[0]!.failure);
  });

  it('a hole in the last batch (an earlier part of its writes lost, a later kept) is a torn batch: every seed recovers', async () => {
    let holes = 0;
    let midBatch = 0;
    let ran = 0;
    for (let seed = seeds[0]!; ran < holeSeedsMax; seed += 1, ran += 1) {
      if (ran >= seeds.length && midBatch >= midBatchHolesWanted) break;
      const result = await simulate({ seed, holes: true });
      expect(result.valid, `${replay(result)} --holes`).toBe(true);
      holes += result.holes;
      midBatch += result.holesMidBatch;
    }
    // Holes were made, some of them in an earlier record of a batch than the one cut, with that
    // batch's later records intact after the hole.
    expect(holes).toBeGreaterThan(4);
    expect(midBatch).toBeGreaterThanOrEqual(midBatchHolesWanted);
  }, 30_000);

  it('npm run simulate prints the seeds it ran, a verdict, and a replay line for a failing seed', () => {
    const script = join(repositoryRoot, 'load/simulation/simulate.ts');
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
        cwd: repositoryRoot,
        encoding: 'utf8',
      });
    // Seeds 1 to 3 with the planted bug: at least one fails (the test above shows which).
    const planted = run(['--seeds', '3', '--lying-disk']);
    expect(planted.status).toBe(1);
    expect(planted.stdout).toMatch(/replay: npm run simulate -- --seed [123] --lying-disk/);
    expect(planted.stdout).toMatch(/^VERDICT INVALID · 3 seeds \(seeds 1\.\.3\) · [123] failed/m);
  }, 30_000);
});
