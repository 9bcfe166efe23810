/**
 * Records a prize-raffle history against a running service (the shared part is recording.ts):
 * fresh raffles whose creation is the history's first operations, then clients that claim
 * tickets, read the raffle, its winners and their own tickets' verification, and, as the
 * operator, draw once a raffle is sold out.
 *
 * One ticket per client address: each raffle has a pool of addresses a little larger than its
 * tickets, and a claim takes one at random, so some addresses claim twice (sometimes at once, from
 * two clients) and must be refused. A claim reaches the service from its address through the
 * trusted proxy (`X-Forwarded-For` over loopback, which the default `TRUST_PROXY` trusts); the
 * operator's requests carry no such header, so they come from 127.0.0.1, an operator address by
 * default. The history names an address by a short name (`a17`). Verification codes stay in the
 * client's memory, to verify its tickets after the draw; no history holds one.
 */
import type { PrizeOperation } from '../runner/surfaces.js';
import { condensePrizeOutput, type PrizeOperationName } from './prize-operations.js';
import { pickWeighted, randomInt, seededRandom } from './random.js';

import {
  createRecordedRaffles,
  kindCaller,
  recordKindHistory,
  type RecordingOptions,
  type RecordingResult,
} from './recording.js';

export interface PrizeWorkloadOptions {
  /**
   * Tickets per raffle: small enough that raffles sell out within a run, so that draws, winners
   * and verifications are recorded too.
   * @default 400
   */
  ticketCount?: number;
  /**
   * Prizes per raffle.
   * @default 3
   */
  prizes?: number;
  /** Relative weight of each operation (`create` is not one: raffles are created first). */
  mix?: Partial<Record<Exclude<PrizeOperationName, 'create'>, number>>;
}

export interface RecordPrizeOptions extends RecordingOptions {
  workload?: PrizeWorkloadOptions;
}

export const defaultPrizeMix: Record<Exclude<PrizeOperationName, 'create'>, number> = {
  claim: 40,
  get: 25,
  draw: 5,
  winners: 12,
  verify: 18,
};

const routeOf: Record<PrizeOperationName, PrizeOperation> = {
  create: 'prizeCreate',
  claim: 'prizeClaim',
  draw: 'prizeDraw',
  get: 'prizeGet',
  winners: 'prizeWinners',
  verify: 'prizeVerify',
};

/** The address of pool entry `index`, in 198.18.0.0/15 (set aside for tests of networks). */
function addressOf(index: number): string {
  return `198.${18 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;
}

export function recordPrizeHistory(options: RecordPrizeOptions): Promise<RecordingResult> {
  const ticketCount = options.workload?.ticketCount ?? 400;
  const prizes = options.workload?.prizes ?? 3;
  const mix = { ...defaultPrizeMix, ...options.workload?.mix };
  const addresses = Math.ceil(ticketCount * 1.25);
  return recordKindHistory(options, async (context) => {
    const { seed } = context;
    const call = kindCaller(context, {
      kind: 'prize',
      routeOf,
      raffleField: 'id',
      condense: condensePrizeOutput,
    });
    const raffles = await createRecordedRaffles(
      call,
      seed,
      { count: options.raffles ?? 4, prefix: 'ph', noun: 'a prize raffle' },
      (_id, i) => ({
        input: { ticketCount, prizes },
        wire: {
          name: `history ${seed} #${i}`,
          ticketCount,
          prizes: Array.from({ length: prizes }, (_, p) => ({ name: `prize ${p + 1}` })),
        },
      }),
    );
    return {
      raffles,
      client(client, surface, clientSeed) {
        const random = seededRandom(clientSeed);
        /** This client's tickets and their codes, by raffle: kept in memory only. */
        const held = new Map<string, { ticketNumber: number; code: string }[]>();
        return async () => {
          const raffle = raffles[randomInt(random, 0, raffles.length - 1)] as string;
          let f = pickWeighted(random, mix);
          const mine = held.get(raffle) ?? [];
          if (f === 'verify' && mine.length === 0) f = 'get';
          if (f === 'claim') {
            const index = randomInt(random, 0, addresses - 1);
            const outcome = await call(
              client,
              surface,
              raffle,
              'claim',
              { address: `a${index}` },
              {},
              { 'x-forwarded-for': addressOf(index) },
            );
            const answer = outcome.answer as { verificationCode?: unknown } | undefined;
            if (outcome.type === 'ok' && typeof answer?.verificationCode === 'string') {
              mine.push({
                ticketNumber: outcome.value.ticketNumber as number,
                code: answer.verificationCode,
              });
              held.set(raffle, mine);
            }
            return { f, outcome };
          }
          if (f === 'verify') {
            const ticket = mine[randomInt(random, 0, mine.length - 1)] as (typeof mine)[number];
            const outcome = await call(
              client,
              surface,
              raffle,
              'verify',
              { ticketNumber: ticket.ticketNumber },
              { ticketNumber: ticket.ticketNumber, verificationCode: ticket.code },
            );
            return { f, outcome };
          }
          return { f, outcome: await call(client, surface, raffle, f, {}, {}) };
        };
      },
    };
  });
}
