/**
 * The simulation's view of what the service should hold: the naive reference models of the
 * ledger (`test/support/reference-state-machine.ts`, which also keeps idempotency records), of
 * prize raffles (`test/support/reference-prize.ts`) and of campaigns (`campaign-models.ts`, one
 * `test/support/reference-campaign.ts` per campaign), fed the same stamped commands as the real
 * state machine, in the same order.
 *
 * It keeps each command's expected outcome beside its sequence number, answers what a read should
 * see, and gives the digest the whole state should have — the ledger model's text with the prize
 * and campaign models' lines where those kinds' sections go. Outcomes are compared as canonical JSON
 * without messages (prose for people, not part of the contract).
 */
import type { Outcome, StampedCommand, StateLimits } from '../../src/engine/commands.js';
import { ReferencePrize } from '../../test/support/reference-prize.js';
import { ReferenceCampaigns } from './campaign-models.js';
import { ReferenceStateMachine } from '../../test/support/reference-state-machine.js';
import type { CampaignSubmission, Submission, PrizeSubmission } from './workload.js';

/** Keys sorted, messages and undefined fields dropped: equal values, equal text. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, field]) => key !== 'message' && field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, field]) => [key, canonical(field)]),
  );
}

/** An outcome as compared: its canonical value, or its reason. */
export const text = (outcome: Outcome<unknown>): string =>
  JSON.stringify(outcome.ok ? canonical(outcome.value) : outcome.reason);

export class SimulationModels {
  private ledger: ReferenceStateMachine;
  private prize: ReferencePrize;
  private campaigns: ReferenceCampaigns;
  private readonly outcomes = new Map<number, string>();

  constructor(
    private readonly limits: Pick<StateLimits, 'rafflesMax' | 'participantsPerRaffleMax'>,
  ) {
    this.ledger = new ReferenceStateMachine(limits);
    this.prize = new ReferencePrize(limits.rafflesMax);
    this.campaigns = this.newCampaigns();
  }

  private newCampaigns(): ReferenceCampaigns {
    return new ReferenceCampaigns(this.limits.rafflesMax, this.limits.participantsPerRaffleMax);
  }

  /** Starts again from nothing and applies `commands` (after a recovery). */
  rebuild(commands: readonly StampedCommand[]): void {
    this.ledger = new ReferenceStateMachine(this.limits);
    this.prize = new ReferencePrize(this.limits.rafflesMax);
    this.campaigns = this.newCampaigns();
    this.outcomes.clear();
    for (const stamped of commands) this.apply(stamped);
  }

  /** Applies a stamped command: prize raffles to their model, the rest to the ledger's. */
  apply(stamped: StampedCommand): void {
    const command = stamped.command as unknown as PrizeSubmission | CampaignSubmission;
    let outcome: Outcome<unknown>;
    if (command.kind === 'campaign') {
      outcome = this.applyCampaign(command, stamped) as Outcome<unknown>;
    } else if (command.kind !== 'prize') {
      outcome = this.ledger.apply(stamped);
    } else {
      const seed = stamped.seed as Uint8Array;
      if (command.type === 'createRaffle') {
        outcome = this.prize.create(command, seed, stamped.atMs) as Outcome<unknown>;
      } else if (command.type === 'claim') {
        outcome = this.prize.claim(command, seed) as Outcome<unknown>;
      } else if (command.type === 'draw') {
        outcome = this.prize.draw(command.raffleId, seed, stamped.atMs) as Outcome<unknown>;
        // A draw answer also names its randomness: the command number and the seed link.
        if (outcome.ok) {
          const randomness = { seq: stamped.seq, link: Buffer.from(seed).toString('hex') };
          outcome = { ...outcome, value: { ...(outcome.value as object), randomness } };
        }
      } else {
        throw new Error(`a read was logged: ${command.type}`);
      }
    }
    this.outcomes.set(stamped.seq, text(outcome));
  }

  private applyCampaign(command: CampaignSubmission, stamped: StampedCommand) {
    const seed = stamped.seed as Uint8Array;
    if (command.type === 'createCampaign')
      return this.campaigns.create(command, seed, stamped.atMs);
    if (command.type === 'redeem') {
      return this.campaigns.redeem(command.campaignId, command.couponTag, stamped.atMs);
    }
    if (command.type !== 'draw') throw new Error(`a read was logged: ${command.type}`);
    const { campaignId, phone, coupon } = command;
    const outcome = this.campaigns.draw(campaignId, phone, stamped.atMs, seed, coupon);
    if (!outcome.ok) return outcome;
    // Like a prize draw, a campaign draw's answer names its randomness.
    const randomness = { seq: stamped.seq, link: Buffer.from(seed).toString('hex') };
    return { ...outcome, value: { ...(outcome.value as object), randomness } };
  }

  /** The outcome the command with this seq should have had. */
  expected(seq: number): string {
    return this.outcomes.get(seq) ?? 'not applied by the model';
  }

  /** What a read should answer now, as text. */
  expectedRead(read: Submission): string {
    if ('kind' in read && read.kind === 'campaign') {
      const outcome =
        read.type === 'getCampaign'
          ? this.campaigns.get(read.campaignId, read.nowMs)
          : read.type === 'phoneDraws'
            ? this.campaigns.phoneDraws(read.campaignId, read.phone)
            : read.type === 'listCampaigns'
              ? this.campaigns.list(read.beforeOrdinal, read.limit, read.nowMs)
              : undefined;
      if (outcome === undefined) throw new Error(`not a read: ${read.type}`);
      return text(outcome as Outcome<unknown>);
    }
    if ('kind' in read && read.kind === 'prize') {
      return text(this.prize.get((read as { raffleId: string }).raffleId) as Outcome<unknown>);
    }
    const raffle = 'raffleId' in read ? this.ledger.raffles.get(read.raffleId) : undefined;
    if (raffle === undefined) return JSON.stringify('raffle_not_found');
    if (read.type === 'getRaffle') {
      return JSON.stringify(
        canonical({
          id: raffle.id,
          name: raffle.name,
          createdAtMs: raffle.createdAtMs,
          totalTickets: raffle.list.totalWeight,
          participantCount: raffle.list.size,
          drawCount: raffle.draws.length,
        }),
      );
    }
    const username = (read as { username: string }).username;
    const tickets = raffle.list.weightOf(username);
    return JSON.stringify(
      tickets === 0 ? 'participant_not_found' : canonical({ username, tickets }),
    );
  }

  prizeRaffleExists(id: string): boolean {
    return this.prize.get(id).ok;
  }

  campaignIds(): string[] {
    return this.campaigns.ids();
  }

  lastDrawCase(campaignId: string): string | undefined {
    return this.campaigns.lastDrawCase(campaignId);
  }

  wonCouponTags(campaignId: string): string[] {
    return this.campaigns.wonTags(campaignId);
  }

  /** The whole state's digest text as the models see it, at `seq`. */
  digest(seq: number): string {
    const sections = new Map([
      ['kind=prize', this.prize.digestLines()],
      ['kind=campaign', this.campaigns.digestLines()],
    ]);
    return this.ledger
      .digestText(seq)
      .split('\n')
      .flatMap((line) => [line, ...(sections.get(line) ?? [])])
      .join('\n');
  }
}
