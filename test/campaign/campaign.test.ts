/**
 * Campaign scenarios through the state machine, one rule each: the window, daily quotas that
 * turn over exactly at local midnight, a phone's memory bounded over a year of daily draws, the
 * probability sum compared exactly, prize ids, and refusals that change nothing.
 */
import { describe, expect, it } from 'vitest';
import { campaignDrawsKeptPerPhone } from '../../src/config/limits.js';
import type { Mutation } from '../../src/engine/commands.js';
import { StateMachine } from '../../src/engine/state-machine.js';
import type { CampaignView, DrawResult, PhoneHistory } from '../../src/kinds/campaign/campaign.js';
import { campaignKind, type Campaigns } from '../../src/kinds/campaign/kind.js';
import { createKindRegistry } from '../../src/kinds/registry.js';

const dayMs = 86_400_000;

/** A state machine with a hand-moved clock and a seed counter, for scenario tests. */
class Scenario {
  readonly machine = new StateMachine(createKindRegistry(), {
    rafflesMax: 10,
    participantsPerRaffleMax: 3,
  });
  nowMs: number;
  private seeds = 0;
  constructor(nowMs: number) {
    this.nowMs = nowMs;
  }
  apply(command: Mutation, needsSeed = true) {
    this.seeds += 1;
    const seed = needsSeed ? new Uint8Array(16).fill(this.seeds % 256) : undefined;
    if (seed !== undefined) seed[0] = this.seeds >> 8;
    const outcome = this.machine.apply({
      seq: this.machine.appliedSeq + 1,
      atMs: this.nowMs,
      seed,
      command,
    });
    this.machine.checkInvariants();
    return outcome;
  }
  create(fields: Record<string, unknown>) {
    return this.apply({
      kind: 'campaign',
      type: 'createCampaign',
      id: 'c',
      name: 'Campaign',
      startsAtMs: Date.UTC(2027, 0, 1),
      endsAtMs: Date.UTC(2028, 0, 1),
      timeZone: 'UTC',
      ...fields,
    });
  }
  draw(phone: string, campaignId = 'c') {
    const n = this.machine.appliedSeq;
    const coupon = { tag: `tag-${n}`, seal: `seal-${n}` };
    return this.apply({ kind: 'campaign', type: 'draw', campaignId, phone, coupon });
  }
  view(campaignId = 'c'): CampaignView {
    const outcome = this.machine.query(campaignKind.queries.getCampaign, {
      campaignId,
      nowMs: this.nowMs,
    });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value;
  }
  history(phone: string): PhoneHistory {
    const outcome = this.machine.query(campaignKind.queries.phoneDraws, { campaignId: 'c', phone });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value;
  }
}

const reasonOf = (outcome: { ok: boolean; reason?: string }) =>
  outcome.ok ? 'ok' : outcome.reason;
const sure = [{ id: 'sure', name: 'Sure thing', probability: 1, quotaTotal: 1000, quotaDaily: 2 }];

describe('campaign scenarios', () => {
  it('window: startsAt is inclusive, endsAt exclusive', () => {
    const s = new Scenario(Date.UTC(2027, 0, 1) - 1);
    expect(reasonOf(s.create({ prizes: sure, endsAtMs: Date.UTC(2027, 0, 2) }))).toBe('ok');
    expect(reasonOf(s.draw('+6591234567'))).toBe('campaign_not_active');
    s.nowMs += 1;
    expect(reasonOf(s.draw('+6591234567'))).toBe('ok');
    s.nowMs = Date.UTC(2027, 0, 2) - 1;
    expect(reasonOf(s.draw('+6591234568'))).toBe('ok');
    s.nowMs += 1;
    expect(reasonOf(s.draw('+6591234569'))).toBe('campaign_not_active');
    expect(s.view().status).toBe('ended');
  });

  it('daily quota and once-a-day turn over exactly at midnight in Pacific/Kiritimati (UTC+14)', () => {
    // Local midnight of 2027-02-02 in Kiritimati is 2027-02-01T10:00Z.
    const midnight = Date.UTC(2027, 1, 1, 10);
    const s = new Scenario(midnight - 2);
    s.create({ timeZone: 'Pacific/Kiritimati', prizes: sure });
    expect((s.draw('+6591234561') as { value: DrawResult }).value.won).toBe(true);
    expect((s.draw('+6591234562') as { value: DrawResult }).value.won).toBe(true);
    s.nowMs += 1;
    // The daily quota (2) is spent: a third phone loses; the first may not draw again today.
    expect((s.draw('+6591234563') as { value: DrawResult }).value).toMatchObject({
      won: false,
      day: '2027-02-01',
    });
    expect(reasonOf(s.draw('+6591234561'))).toBe('already_drawn_today');
    expect(s.view().prizes[0]).toMatchObject({
      wonToday: 2,
      remainingToday: 0,
      remainingTotal: 998,
    });
    s.nowMs += 1;
    expect(s.view()).toMatchObject({ day: '2027-02-02' });
    expect(s.view().prizes[0]).toMatchObject({ wonToday: 0, remainingToday: 2, wonTotal: 2 });
    expect((s.draw('+6591234561') as { value: DrawResult }).value).toMatchObject({
      won: true,
      day: '2027-02-02',
    });
  });

  it('remainingToday is the smaller of the daily and the total remainder', () => {
    const s = new Scenario(Date.UTC(2027, 0, 5));
    s.create({ prizes: [{ id: 'p', name: 'P', probability: 1, quotaTotal: 3, quotaDaily: 2 }] });
    s.draw('+6591234561');
    s.draw('+6591234562');
    s.nowMs += dayMs;
    expect(s.view().prizes[0]).toMatchObject({ wonToday: 0, remainingTotal: 1, remainingToday: 1 });
    s.draw('+6591234561');
    expect(s.view().prizes[0]).toMatchObject({ wonTotal: 3, remainingTotal: 0, remainingToday: 0 });
    expect((s.draw('+6591234562') as { value: DrawResult }).value.won).toBe(false);
  });

  it('memory per phone: a year of daily draws keeps 32 draws and every coupon', () => {
    const s = new Scenario(Date.UTC(2027, 0, 1, 12));
    s.create({ prizes: [{ id: 'p', name: 'P', probability: 0.5, quotaTotal: 1000 }] });
    let wins = 0;
    for (let day = 0; day < 365; day += 1) {
      const outcome = s.draw('+6591234567') as { value: DrawResult };
      if (outcome.value.won) wins += 1;
      s.nowMs += dayMs;
    }
    const state = s.machine.stateOf<Campaigns>(campaignKind);
    const campaign = state.byId.get('c');
    expect(campaign?.phones.keptDraws).toBe(campaignDrawsKeptPerPhone);
    const history = s.history('+6591234567');
    expect(history.drawCount).toBe(365);
    const kept = history.draws.slice(0, campaignDrawsKeptPerPhone);
    const older = history.draws.slice(campaignDrawsKeptPerPhone);
    expect(older.every((draw) => draw.won)).toBe(true);
    expect(history.draws.filter((draw) => draw.won)).toHaveLength(wins);
    expect(wins).toBeGreaterThan(100);
    expect(kept.map((d) => d.drawId)).toEqual(kept.map((_, i) => 365 - i));
  });

  it('create: 0.56 + 0.34 + 0.10 is exactly 1; a hair more is refused and nothing is created', () => {
    const s = new Scenario(Date.UTC(2027, 0, 1));
    const prizes = (last: number) => [
      { name: '$5 Cash Coupon', probability: 0.56, quotaTotal: 10 },
      { name: '$2 Cash Coupon', probability: 0.34, quotaTotal: 10 },
      { name: 'Buy 1 get 1', probability: last, quotaTotal: 10 },
    ];
    expect(reasonOf(s.create({ id: 'over', prizes: prizes(0.1000001) }))).toBe(
      'probabilities_exceed_one',
    );
    expect(s.machine.stateOf<Campaigns>(campaignKind).byId.has('over')).toBe(false);
    const created = s.create({ prizes: prizes(0.1) }) as { value: CampaignView };
    expect(created.value.prizes.map((p) => p.id)).toEqual([
      '5-cash-coupon',
      '2-cash-coupon',
      'buy-1-get-1',
    ]);
  });

  it('create: prize ids are slugs, generated from names, unique within the campaign', () => {
    const s = new Scenario(Date.UTC(2027, 0, 1));
    const created = s.create({
      prizes: [
        { name: 'Coupon', probability: 0.1, quotaTotal: 1 },
        { id: 'coupon-2', name: 'Other', probability: 0.1, quotaTotal: 1 },
        { name: 'Coupon', probability: 0.1, quotaTotal: 1 },
        { name: '买一送一', probability: 0.1, quotaTotal: 1 },
      ],
    }) as { value: CampaignView };
    expect(created.value.prizes.map((p) => p.id)).toEqual([
      'coupon',
      'coupon-2',
      'coupon-3',
      'prize-4',
    ]);
    expect(
      reasonOf(
        s.create({
          id: 'dup',
          prizes: [
            { id: 'x', name: 'A', probability: 0.1, quotaTotal: 1 },
            { id: 'x', name: 'B', probability: 0.1, quotaTotal: 1 },
          ],
        }),
      ),
    ).toBe('invalid_input');
  });

  it('create: bad windows, zones and quotas are refused', () => {
    const s = new Scenario(Date.UTC(2027, 0, 1));
    const start = Date.UTC(2027, 0, 1);
    expect(reasonOf(s.create({ prizes: sure, endsAtMs: start }))).toBe('invalid_input');
    expect(reasonOf(s.create({ prizes: sure, timeZone: 'Mars/Olympus_Mons' }))).toBe(
      'invalid_input',
    );
    expect(reasonOf(s.create({ prizes: sure, startsAtMs: Date.UTC(1960, 0, 1) }))).toBe(
      'invalid_input',
    );
    expect(reasonOf(s.create({ prizes: [{ name: 'A', probability: 0, quotaTotal: 1 }] }))).toBe(
      'invalid_input',
    );
    expect(reasonOf(s.create({ prizes: [{ name: 'A', probability: 0.5, quotaTotal: 1.5 }] }))).toBe(
      'invalid_input',
    );
    expect(reasonOf(s.create({ prizes: [] }))).toBe('invalid_input');
    expect(s.machine.stateOf<Campaigns>(campaignKind).order).toHaveLength(0);
  });

  it('draw: the phone limit refuses new phones and keeps serving known ones', () => {
    const s = new Scenario(Date.UTC(2027, 0, 1));
    s.create({ prizes: sure });
    for (const phone of ['+6591234561', '+6591234562', '+6591234563'])
      expect(reasonOf(s.draw(phone))).toBe('ok');
    expect(reasonOf(s.draw('+6591234564'))).toBe('participant_limit_reached');
    s.nowMs += dayMs;
    expect(reasonOf(s.draw('+6591234561'))).toBe('ok');
  });
});
