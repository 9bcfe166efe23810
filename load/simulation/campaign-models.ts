/**
 * The simulation's reference of every instant-win campaign: one naive `ReferenceCampaign`
 * (`test/support/reference-campaign.ts`) per campaign, and around them what the kind adds over a
 * single campaign — creation with its checks and its refusals (a taken id, the limit on
 * campaigns, probabilities above one, a window that ends before it starts), campaigns that do
 * not exist, the limit on phones per campaign — plus the answers of the three reads and the
 * kind's digest lines.
 *
 * Nothing here calls the kind's code: the checks are written again, plainly, and the digest lines
 * are rebuilt from the models' flat list of draws. The kind keeps phones and coupons in parallel
 * arrays linked by index (a phone's newest coupon, a coupon's older one); here those indices are
 * found by searching the list, which is slow and obvious, the point of a reference. The trade-off:
 * the digest format is the kind's (`campaign-snapshot.ts`), so a change of format fails here
 * first and must be followed, which is also what makes the comparison line by line possible.
 */
import {
  campaignCouponsMax,
  campaignDrawsKeptPerPhone,
  campaignInstantMaxMs,
  campaignInstantMinMs,
  campaignPrizesMax,
  campaignQuotaMax,
  pageLimitMax,
} from '../../src/config/limits.js';
import {
  ReferenceCampaign,
  type ReferenceOutcome,
  type ReferencePrize,
} from '../../test/support/reference-campaign.js';

/** The fields of the kind's createCampaign command, as the edge submits them. */
export type CampaignFields = {
  id?: string | undefined;
  name: string;
  startsAtMs: number;
  endsAtMs: number;
  timeZone: string;
  prizes: {
    id: string;
    name: string;
    probability: number;
    quotaTotal: number;
    quotaDaily?: number | undefined;
  }[];
};

interface Entry {
  ordinal: number;
  createdAtMs: number;
  model: ReferenceCampaign;
}

const dayMs = 86_400_000;
const slug = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** What a draw takes: an E.164 number or the edge's pseudonym of one. */
const phonePattern = /^(?:\+[1-9][0-9]{1,14}|ph_[A-Za-z0-9_-]{22})$/;
const idAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

const refused = (reason: string): ReferenceOutcome => ({ ok: false, reason });
const dayNumber = (day: string): number => Date.parse(`${day}T00:00:00Z`) / dayMs;

/** Zones asked about so far: building a formatter for a zone costs far more than a lookup. */
const zonesKnown = new Map<string, boolean>();

function knownZone(timeZone: string): boolean {
  let known = zonesKnown.get(timeZone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      known = true;
    } catch {
      known = false;
    }
    zonesKnown.set(timeZone, known);
  }
  return known;
}

/** Thousandths of a probability (the workload writes at most three decimals). */
const thousandths = (probability: number): number => Math.round(probability * 1000);

export class ReferenceCampaigns {
  private readonly entries: Entry[] = [];

  constructor(
    private readonly campaignsMax: number,
    private readonly phonesMax: number,
  ) {}

  private find(id: string): Entry | undefined {
    return this.entries.find((entry) => entry.model.definition.id === id);
  }

  exists(id: string): boolean {
    return this.find(id) !== undefined;
  }

  /** The ids of campaigns created so far, in creation order. */
  ids(): string[] {
    return this.entries.map((entry) => entry.model.definition.id);
  }

  /** How the campaign's last accepted draw went (won, nothing picked, quota spent; by a phone drawing again). */
  lastDrawCase(id: string): string | undefined {
    const model = this.find(id)?.model;
    if (model?.lastDrawCase === undefined) return undefined;
    return `${model.lastDrawCase}${model.lastDrawRepeated ? ' on a later day' : ''}`;
  }

  /** Tags of every coupon won in a campaign (redeemed or not). */
  wonTags(id: string): string[] {
    return (this.find(id)?.model.draws ?? []).flatMap((d) => (d.tag === undefined ? [] : [d.tag]));
  }

  create(fields: CampaignFields, seed: Uint8Array, atMs: number): ReferenceOutcome {
    const id =
      fields.id ??
      `c-${Array.from(seed.subarray(0, 10), (byte) => idAlphabet[byte % idAlphabet.length]).join('')}`;
    if (!slug.test(id)) return refused('invalid_input');
    const instants = [fields.startsAtMs, fields.endsAtMs];
    if (
      instants.some(
        (t) => !Number.isSafeInteger(t) || t < campaignInstantMinMs || t > campaignInstantMaxMs,
      ) ||
      fields.endsAtMs <= fields.startsAtMs ||
      !knownZone(fields.timeZone)
    ) {
      return refused('invalid_input');
    }
    const { prizes } = fields;
    if (prizes.length < 1 || prizes.length > campaignPrizesMax) return refused('invalid_input');
    if (new Set(prizes.map((p) => p.id)).size !== prizes.length) return refused('invalid_input');
    const filled: ReferencePrize[] = prizes.map((p) => ({
      id: p.id,
      name: p.name,
      probability: p.probability,
      quotaTotal: p.quotaTotal,
      quotaDaily: p.quotaDaily ?? p.quotaTotal,
    }));
    for (const p of filled) {
      if (!slug.test(p.id) || !(p.probability > 0 && p.probability <= 1))
        return refused('invalid_input');
      for (const quota of [p.quotaTotal, p.quotaDaily]) {
        if (!Number.isSafeInteger(quota) || quota < 0 || quota > campaignQuotaMax)
          return refused('invalid_input');
      }
    }
    if (filled.reduce((sum, p) => sum + p.quotaTotal, 0) > campaignCouponsMax)
      return refused('invalid_input');
    if (filled.reduce((sum, p) => sum + thousandths(p.probability), 0) > 1000)
      return refused('probabilities_exceed_one');
    if (this.exists(id)) return refused('campaign_id_taken');
    if (this.entries.length >= this.campaignsMax) return refused('raffle_limit_reached');
    const definition = {
      id,
      name: fields.name,
      startsAtMs: fields.startsAtMs,
      endsAtMs: fields.endsAtMs,
      timeZone: fields.timeZone,
      prizes: filled,
    };
    const entry = {
      ordinal: this.entries.length + 1,
      createdAtMs: atMs,
      model: new ReferenceCampaign(definition, phonePattern),
    };
    this.entries.push(entry);
    return { ok: true, value: this.view(entry, atMs) };
  }

  draw(
    campaignId: string,
    phone: string,
    atMs: number,
    seed: Uint8Array,
    coupon: { tag: string; seal: string },
  ): ReferenceOutcome {
    const entry = this.find(campaignId);
    if (entry === undefined) return refused('campaign_not_found');
    const { model } = entry;
    const { startsAtMs, endsAtMs } = model.definition;
    // A phone new to a full campaign is turned away after the checks that come before it.
    const isNew = !model.draws.some((d) => d.phone === phone);
    const phones = new Set(model.draws.map((d) => d.phone)).size;
    if (
      isNew &&
      phones >= this.phonesMax &&
      phonePattern.test(phone) &&
      atMs >= startsAtMs &&
      atMs < endsAtMs
    ) {
      return refused('participant_limit_reached');
    }
    return model.draw(phone, atMs, seed, coupon);
  }

  redeem(campaignId: string, couponTag: string, atMs: number): ReferenceOutcome {
    const entry = this.find(campaignId);
    return entry === undefined
      ? refused('campaign_not_found')
      : entry.model.redeem(couponTag, atMs);
  }

  /** The answer of getCampaign at `nowMs`. */
  get(campaignId: string, nowMs: number): ReferenceOutcome {
    const entry = this.find(campaignId);
    return entry === undefined
      ? refused('campaign_not_found')
      : { ok: true, value: this.view(entry, nowMs) };
  }

  /** The answer of listCampaigns: a page of campaigns, newest first, before an ordinal. */
  list(beforeOrdinal: number, limit: number, nowMs: number): ReferenceOutcome {
    const count = this.entries.length;
    if (beforeOrdinal > count) return refused('invalid_cursor');
    const below = beforeOrdinal === 0 ? count + 1 : beforeOrdinal;
    const older = this.entries.filter((entry) => entry.ordinal < below).reverse();
    const page = older.slice(0, Math.min(Math.max(1, limit), pageLimitMax));
    const next = older.length > page.length ? page.at(-1)?.ordinal : undefined;
    return {
      ok: true,
      value: {
        campaigns: page.map((entry) => this.view(entry, nowMs)),
        nextBeforeOrdinal: next,
      },
    };
  }

  private view(entry: Entry, nowMs: number) {
    const { definition, draws } = entry.model;
    const counters = entry.model.counters(nowMs);
    return {
      id: definition.id,
      name: definition.name,
      startsAtMs: definition.startsAtMs,
      endsAtMs: definition.endsAtMs,
      timeZone: definition.timeZone,
      createdAtMs: entry.createdAtMs,
      status:
        nowMs < definition.startsAtMs
          ? 'upcoming'
          : nowMs >= definition.endsAtMs
            ? 'ended'
            : 'active',
      day: counters.day,
      drawCount: draws.length,
      phoneCount: new Set(draws.map((d) => d.phone)).size,
      prizes: definition.prizes.map((p, i) => {
        const [wonTotal, wonToday, remainingTotal, remainingToday] = counters.prizes[i] as number[];
        return { ...p, wonTotal, wonToday, remainingTotal, remainingToday };
      }),
    };
  }

  /** The answer of phoneDraws: the latest kept draws, then older wins, newest first. */
  phoneDraws(campaignId: string, phone: string): ReferenceOutcome {
    const entry = this.find(campaignId);
    if (entry === undefined) return refused('campaign_not_found');
    const { model } = entry;
    const history = model.history(phone, campaignDrawsKeptPerPhone);
    const draws = history.draws.map(([drawId]) => {
      const d = model.draws[drawId - 1] as (typeof model.draws)[number];
      const prize = model.definition.prizes[d.prize];
      return {
        drawId,
        day: d.day,
        atMs: d.atMs,
        won: prize !== undefined,
        prize: prize === undefined ? null : { id: prize.id, name: prize.name },
        coupon:
          d.tag === undefined
            ? null
            : { seal: d.seal, redeemedAtMs: model.redeemedAt.get(d.tag) ?? null },
      };
    });
    return { ok: true, value: { campaignId, phone, drawCount: history.drawCount, draws } };
  }

  /**
   * The kind's digest lines: per campaign, its ordinal, definition and counters; each phone (in
   * the order of first draws) with its draw count, newest coupon and kept draws; each coupon (in
   * the order won) with its phone, its redemption and the phone's coupon before it.
   */
  digestLines(): string[] {
    const lines: string[] = [];
    for (const { ordinal, createdAtMs, model } of this.entries) {
      const { draws, definition } = model;
      const last = draws.at(-1);
      const counterDay = last === undefined ? -1 : dayNumber(last.day);
      const won = (prize: number, day?: string) =>
        draws.filter((d) => d.tag !== undefined && d.prize === prize && (day ?? d.day) === d.day)
          .length;
      lines.push(
        JSON.stringify([
          ordinal,
          { ...definition, createdAtMs },
          {
            counterDay,
            lastDrawAtMs: last?.atMs ?? 0,
            drawCount: draws.length,
            wonTotal: definition.prizes.map((_, i) => won(i)),
            wonToday: definition.prizes.map((_, i) => (last === undefined ? 0 : won(i, last.day))),
          },
        ]),
      );
      const phones = [...new Set(draws.map((d) => d.phone))];
      const coupons = draws.filter((d) => d.tag !== undefined);
      const couponIndex = (d: (typeof draws)[number] | undefined) =>
        d === undefined || d.tag === undefined ? -1 : coupons.indexOf(d);
      for (const phone of phones) {
        const mine = draws.filter((d) => d.phone === phone);
        const newestCoupon = couponIndex(mine.filter((d) => d.tag !== undefined).at(-1));
        const kept = mine
          .slice(-campaignDrawsKeptPerPhone)
          .map((d) => [d.drawId, d.atMs, dayNumber(d.day), d.prize, couponIndex(d)]);
        lines.push(JSON.stringify([phone, mine.length, newestCoupon, kept]));
      }
      for (const [index, d] of coupons.entries()) {
        const older = coupons.slice(0, index).filter((c) => c.phone === d.phone);
        lines.push(
          JSON.stringify([
            d.tag,
            d.seal,
            phones.indexOf(d.phone),
            d.prize,
            d.drawId,
            d.atMs,
            dayNumber(d.day),
            model.redeemedAt.get(d.tag as string) ?? null,
            couponIndex(older.at(-1)),
          ]),
        );
      }
    }
    return lines;
  }
}
