/**
 * The campaign kind's conservation law (kind `campaign`, docs in docs/DESIGN.md's "Instant-win
 * campaigns"): no prize is won more often than its total quota, nor on one day more often than its
 * daily quota, and a figures read's `wonTotal` of each prize lies between the wins answered before
 * it started and the quota, its `wonToday` within the daily quota.
 *
 * It reads the events the campaign recorder writes (record-campaign.ts, shapes in
 * campaign-operations.ts) — `create` (ok output `prizes` with `id`, `quotaTotal`, `quotaDaily`),
 * `draw` (ok output `won`, `prize: { id } | null`, `day`), `get` (ok output `prizes` with `id`,
 * `quotaTotal`, `quotaDaily`, `wonTotal`, `wonToday`) — with `raffle` the campaign's id.
 */
import { boundCheck, type ConservationLaw, type LawSink } from './conservation.js';

interface Quota {
  total: number;
  daily: number;
}

interface CampaignCounters {
  quotas: Map<string, Quota>;
  wins: Map<string, number>;
  winsByDay: Map<string, number>;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

function prizesOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}

export function campaignLaw(sink: LawSink): ConservationLaw {
  const campaigns = new Map<string, CampaignCounters>();
  const winsAtInvoke = new Map<number, Map<string, number>>();
  const countersOf = (campaign: string): CampaignCounters => {
    let c = campaigns.get(campaign);
    if (c === undefined) {
      c = { quotas: new Map(), wins: new Map(), winsByDay: new Map() };
      campaigns.set(campaign, c);
    }
    return c;
  };
  const learnQuotas = (c: CampaignCounters, prizes: unknown): void => {
    for (const prize of prizesOf(prizes)) {
      if (typeof prize.id !== 'string' || c.quotas.has(prize.id)) continue;
      c.quotas.set(prize.id, { total: num(prize.quotaTotal), daily: num(prize.quotaDaily) });
    }
  };
  const check = boundCheck(sink, 'campaign');
  return {
    invoke(event) {
      if (event.f === 'get') winsAtInvoke.set(event.op, new Map(countersOf(event.raffle).wins));
    },
    complete(event, invoked) {
      const c = countersOf(invoked.raffle);
      const before = winsAtInvoke.get(invoked.op);
      winsAtInvoke.delete(invoked.op);
      if (event.type !== 'ok') return;
      if (invoked.f === 'create') learnQuotas(c, event.value.prizes);
      if (invoked.f === 'draw' && event.value.won === true) {
        const prize = (event.value.prize as { id?: unknown } | null)?.id;
        if (typeof prize !== 'string') return;
        const wins = (c.wins.get(prize) ?? 0) + 1;
        c.wins.set(prize, wins);
        const dayKey = `${prize}\u0000${String(event.value.day)}`;
        const winsToday = (c.winsByDay.get(dayKey) ?? 0) + 1;
        c.winsByDay.set(dayKey, winsToday);
        const quota = c.quotas.get(prize);
        if (quota === undefined) return;
        check(invoked, event, `wins of prize ${prize}`, wins, 0, quota.total);
        check(
          invoked,
          event,
          `wins of prize ${prize} on ${String(event.value.day)}`,
          winsToday,
          0,
          quota.daily,
        );
      }
      if (invoked.f === 'get') {
        learnQuotas(c, event.value.prizes);
        for (const prize of prizesOf(event.value.prizes)) {
          if (typeof prize.id !== 'string') continue;
          const quota = c.quotas.get(prize.id);
          check(
            invoked,
            event,
            `wonTotal of prize ${prize.id}`,
            num(prize.wonTotal),
            before?.get(prize.id) ?? 0,
            quota?.total ?? Number.POSITIVE_INFINITY,
          );
          check(
            invoked,
            event,
            `wonToday of prize ${prize.id}`,
            num(prize.wonToday ?? 0),
            0,
            quota?.daily ?? Number.POSITIVE_INFINITY,
          );
        }
      }
    },
  };
}
