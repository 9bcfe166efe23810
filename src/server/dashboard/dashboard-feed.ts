/**
 * The dashboard's live feed: what every open dashboard is told, gathered once for all of them.
 *
 * While at least one page listens, a timer samples the metrics (`metrics-sampler.ts`) and, when
 * the engine has applied anything since the last look, reads the overview of every kind and the
 * draws that are new. It reads through the API's own procedures (an in-process caller), so the
 * figures are the API's figures by construction, and the engine learns nothing of dashboards: the
 * price is polling (one look per `dashboardTickMs`, nothing when idle or unwatched) rather than a
 * hook in the engine, and a draw shows up to one tick late. New ledger draws are found by each
 * raffle's draw count, prize draws by a raffle turning `drawn`; campaign plays are participants'
 * and only counted. Listeners get plain objects; framing them as events is the route's business.
 */
import {
  dashboardDrawsKept,
  dashboardDrawsPerTickMax,
  dashboardRafflesShown,
  dashboardSamplesKept,
  dashboardTickMs,
  pageLimitMax,
} from '../../config/limits.js';
import { cursorAfter } from '../../api/paging.js';
import type { AppRouter } from '../../api/routers/_app.js';
import { createCallerFactory, type Context } from '../../api/trpc.js';
import type { MetricSample, MetricsSampler } from './metrics-sampler.js';
import type {
  DrawEvent as PageDrawEvent,
  DrawEventOf,
  Overview as PageOverview,
  OverviewOf,
} from './page-shapes.js';

const callerOf = (router: AppRouter, context: Context) => createCallerFactory(router)(context);
type Caller = ReturnType<typeof callerOf>;
type LedgerRaffle = Awaited<ReturnType<Caller['raffles']['list']>>['raffles'][number];
type PrizeRaffle = Awaited<ReturnType<Caller['prizeRaffles']['list']>>['raffles'][number];
type Campaign = Awaited<ReturnType<Caller['campaigns']['list']>>['campaigns'][number];
type LedgerDraw = Awaited<ReturnType<Caller['draws']['list']>>['draws'][number];
type PrizeWinners = Awaited<ReturnType<Caller['prizeRaffles']['winners']>>;

export type Overview = OverviewOf<LedgerRaffle, PrizeRaffle, Campaign>;
export type DrawEvent = DrawEventOf<LedgerDraw, PrizeWinners['winners'][number]>;

/** What the feed sends must hold what the page reads (a compile-time check). */
type Holds<Page, Sent extends Page> = Sent;
export type OverviewHoldsThePage = Holds<PageOverview, Overview>;
export type DrawEventHoldsThePage = Holds<PageDrawEvent, DrawEvent>;

export interface FeedListener {
  overview(overview: Overview): void;
  sample(sample: MetricSample): void;
  draw(draw: DrawEvent): void;
  /** The service is stopping: the listener should end its stream. */
  end(): void;
}

export interface FeedOptions {
  router: AppRouter;
  context: Context;
  sampler: MetricsSampler;
  appliedSeq: () => number;
  isStopping: () => boolean;
  onError: (error: unknown) => void;
  tickMs?: number | undefined;
}

export class DashboardFeed {
  private readonly caller: Caller;
  private readonly listeners = new Set<FeedListener>();
  private readonly samples: MetricSample[] = [];
  private readonly draws: DrawEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private overview: Overview | undefined;
  /** Draw counts of ledger raffles and statuses of prize raffles at the last look. */
  private ledgerDrawCounts: Map<string, number> | undefined;
  private prizeStatuses = new Map<string, string>();

  constructor(private readonly options: FeedOptions) {
    this.caller = callerOf(options.router, options.context);
  }

  /** Adds a listener, tells it the current state at once, and starts the timer if needed. */
  async subscribe(listener: FeedListener): Promise<() => void> {
    this.listeners.add(listener);
    this.timer ??= setInterval(() => void this.tick(), this.options.tickMs ?? dashboardTickMs);
    const overview = this.overview?.seq === this.options.appliedSeq() ? this.overview : undefined;
    listener.overview(overview ?? (await this.refresh(false)));
    for (const draw of this.draws) listener.draw(draw);
    for (const sample of this.samples) listener.sample(sample);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  private async tick(): Promise<void> {
    if (this.options.isStopping()) {
      for (const listener of [...this.listeners]) listener.end();
      return;
    }
    // A slow look (a huge state, a busy queue) skips ticks rather than piling them up.
    if (this.busy) return;
    this.busy = true;
    try {
      const sample = await this.options.sampler.sample(Date.now());
      if (sample !== undefined) {
        this.samples.push(sample);
        if (this.samples.length > dashboardSamplesKept) this.samples.shift();
        for (const listener of this.listeners) listener.sample(sample);
      }
      if (this.overview?.seq !== this.options.appliedSeq()) {
        const overview = await this.refresh(true);
        for (const listener of this.listeners) listener.overview(overview);
      }
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.busy = false;
    }
  }

  /** Reads the overview; with `announce`, also finds and sends the draws made since last time. */
  private async refresh(announce: boolean): Promise<Overview> {
    const seq = this.options.appliedSeq();
    const shown = dashboardRafflesShown;
    const [ledger, prize, campaigns] = await Promise.all([
      this.allLedgerRaffles(),
      this.caller.prizeRaffles.list({ limit: shown }),
      this.caller.campaigns.list({ limit: shown }),
    ]);
    const overview: Overview = {
      seq,
      ledger: { count: ledger.raffles.length, raffles: ledger.raffles.slice(-shown).reverse() },
      prize: { raffles: prize.raffles, more: prize.nextCursor !== null },
      campaigns: { campaigns: campaigns.campaigns, more: campaigns.nextCursor !== null },
    };
    const known = this.ledgerDrawCounts;
    this.ledgerDrawCounts = new Map(ledger.raffles.map((r) => [r.id, r.drawCount]));
    const newDraws: DrawEvent[] = [];
    if (announce && known !== undefined) {
      for (const raffle of ledger.raffles) {
        const before = known.get(raffle.id) ?? 0;
        if (raffle.drawCount > before) newDraws.push(...(await this.ledgerDraws(raffle, before)));
      }
    }
    for (const raffle of prize.raffles) {
      const before = this.prizeStatuses.get(raffle.id);
      this.prizeStatuses.set(raffle.id, raffle.status);
      if (announce && raffle.status === 'drawn' && before !== undefined && before !== 'drawn') {
        const result = await this.caller.prizeRaffles.winners({ id: raffle.id });
        newDraws.push({
          kind: 'prize',
          raffleId: raffle.id,
          raffleName: raffle.name,
          winners: result.winners,
          at: result.drawnAt,
        });
      }
    }
    this.overview = overview;
    for (const draw of newDraws) {
      this.draws.push(draw);
      if (this.draws.length > dashboardDrawsKept) this.draws.shift();
      for (const listener of this.listeners) listener.draw(draw);
    }
    return overview;
  }

  /**
   * Every ledger raffle (the listing pages, in creation order): their draw counts are how new
   * draws are found. At most `RAFFLES_MAX` (10^4 by default), so at most ten pages.
   */
  private async allLedgerRaffles(): Promise<{ raffles: LedgerRaffle[] }> {
    const raffles: LedgerRaffle[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.caller.raffles.list({ limit: pageLimitMax, cursor });
      raffles.push(...page.raffles);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return { raffles };
  }

  /** The draws of a ledger raffle after the `before`-th (the last few of a burst). */
  private async ledgerDraws(raffle: LedgerRaffle, before: number): Promise<DrawEvent[]> {
    const after = Math.max(before, raffle.drawCount - dashboardDrawsPerTickMax);
    const page = await this.caller.draws.list({
      raffleId: raffle.id,
      limit: dashboardDrawsPerTickMax,
      cursor: cursorAfter(after === 0 ? undefined : after, 'draws', raffle.id) ?? undefined,
    });
    return page.draws.map((draw) => ({
      kind: 'ledger',
      raffleId: raffle.id,
      raffleName: raffle.name,
      draw,
    }));
  }
}
