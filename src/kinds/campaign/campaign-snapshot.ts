/**
 * The campaign kind's snapshot section and digest.
 *
 * Records, per campaign in creation order (version 1):
 *
 *     {kind: 'campaign', definition, ordinal, counters}
 *     {kind: 'phones', entries: [[phone, drawCount, newestCoupon, [[drawId, atMs, day, prize, coupon], …]], …]}
 *     {kind: 'coupons', entries: [[tag, seal, phone, prize, drawId, atMs, day, redeemedAtMs | null, olderOfPhone], …]}
 *
 * Phones and coupons keep their order, so the indices that link them (a coupon's phone, a phone's
 * newest coupon, a coupon's older one) mean the same after a restore. A phone's draws are written
 * oldest first, at most `campaignDrawsKeptPerPhone` of them, so a chunk of phones stays bounded.
 * The odds are not written: they are derived again from the definition's probabilities. No
 * coupon code is written either: the state holds only tags and seals, which the edge alone opens.
 */
import { campaignDrawsKeptPerPhone, snapshotChunkEntries } from '../../config/limits.js';
import type { SnapshotSection } from '../../engine/kind.js';
import { Campaign, type CampaignCounters } from './campaign.js';
import { checkedPrizes, type CampaignDefinition } from './campaign-definition.js';
import type { Campaigns } from './kind.js';
import type { DrawEntry } from './phone-draws.js';
import { chunks } from '../../engine/snapshot-chunks.js';

type DrawRow = [number, number, number, number, number];
type PhoneRow = [string, number, number, DrawRow[]];
type CouponRow = [string, string, number, number, number, number, number, number | null, number];

type CampaignRecord =
  | {
      kind: 'campaign';
      definition: CampaignDefinition;
      ordinal: number;
      counters: CampaignCounters;
    }
  | { kind: 'phones'; entries: PhoneRow[] }
  | { kind: 'coupons'; entries: CouponRow[] };

/** Phones per record: each may carry `campaignDrawsKeptPerPhone` draws. */
const phonesPerRecord = Math.max(1, Math.floor(snapshotChunkEntries / campaignDrawsKeptPerPhone));

function drawRow(draw: DrawEntry): DrawRow {
  return [draw.drawId, draw.atMs, draw.day, draw.prize, draw.coupon];
}

function* phoneRows(campaign: Campaign): Generator<PhoneRow> {
  const { phones } = campaign;
  for (let index = 0; index < phones.size; index += 1) {
    yield [
      phones.phoneOf(index),
      phones.drawCountOf(index),
      phones.newestCouponOf(index),
      phones.recent(index).reverse().map(drawRow),
    ];
  }
}

function* couponRows(campaign: Campaign): Generator<CouponRow> {
  const { coupons } = campaign;
  for (let index = 0; index < coupons.size; index += 1) {
    const c = coupons.entry(index);
    yield [
      c.tag,
      c.seal,
      c.phone,
      c.prize,
      c.drawId,
      c.atMs,
      c.day,
      c.redeemedAtMs ?? null,
      coupons.olderOf(index),
    ];
  }
}

function* image(state: Campaigns): Generator<CampaignRecord> {
  for (const campaign of state.order) {
    yield {
      kind: 'campaign',
      definition: campaign.definition,
      ordinal: campaign.ordinal,
      counters: campaign.counters(),
    };
    for (const entries of chunks(phoneRows(campaign), phonesPerRecord))
      yield { kind: 'phones', entries };
    for (const entries of chunks(couponRows(campaign), snapshotChunkEntries))
      yield { kind: 'coupons', entries };
  }
}

function restore(records: Iterable<unknown>): Campaigns {
  const state: Campaigns = { byId: new Map(), order: [] };
  let current: Campaign | undefined;
  for (const value of records) {
    const record = value as CampaignRecord;
    if (record.kind === 'campaign') {
      const prizes = checkedPrizes(record.definition.prizes);
      if (!prizes.ok)
        throw new Error(
          `campaign section: campaign '${record.definition.id}' does not check: ${prizes.message}`,
        );
      if (state.byId.has(record.definition.id))
        throw new Error(`campaign section: '${record.definition.id}' appears twice`);
      current = new Campaign(
        record.definition,
        record.ordinal,
        prizes.odds,
        campaignDrawsKeptPerPhone,
      );
      current.restoreCounters(record.counters);
      state.byId.set(current.id, current);
      state.order.push(current);
    } else if (current === undefined) {
      throw new Error(`campaign section: '${String(record.kind)}' record before any campaign`);
    } else if (record.kind === 'phones') {
      for (const [phone, drawCount, newestCoupon, draws] of record.entries) {
        const entries = draws.map(([drawId, atMs, day, prize, coupon]) => ({
          drawId,
          atMs,
          day,
          prize,
          coupon,
        }));
        current.phones.restore(phone, drawCount, newestCoupon, entries);
      }
    } else if (record.kind === 'coupons') {
      for (const [
        tag,
        seal,
        phone,
        prize,
        drawId,
        atMs,
        day,
        redeemedAtMs,
        older,
      ] of record.entries) {
        current.coupons.add(
          { tag, seal, phone, prize, drawId, atMs, day, redeemedAtMs: redeemedAtMs ?? undefined },
          older,
        );
      }
    } else {
      throw new Error(
        `campaign section: unknown record '${String((record as { kind: unknown }).kind)}'`,
      );
    }
  }
  return state;
}

export const campaignSnapshot: SnapshotSection<Campaigns> = { version: 1, image, restore };

/** Every campaign's definition and counters, every phone with its kept draws, every coupon. */
export function* campaignDigest(state: Campaigns): Generator<string> {
  for (const campaign of state.order) {
    yield JSON.stringify([campaign.ordinal, campaign.definition, campaign.counters()]);
    for (const row of phoneRows(campaign)) yield JSON.stringify(row);
    for (const row of couponRows(campaign)) yield JSON.stringify(row);
  }
}
