/**
 * The two wire formats of the same procedures, for the load runner: REST under `/api` and tRPC
 * under `/trpc` (superjson). Each operation is described once; `httpCallFor` turns an input into
 * the request of either surface and `answerOf` reads the answer back into one shape.
 *
 * tRPC over plain HTTP: a mutation is `POST /trpc/<procedure>` with `{"json": input}`, a query is
 * `GET /trpc/<procedure>?input=<{"json": input}, URL-encoded>`; the answer is
 * `{"result":{"data":{"json": output}}}` or `{"error":{"json":{…,"reason": …}}}`. Inputs here are
 * plain JSON (no dates, maps or bigints), so superjson adds no `meta`.
 */
import { randomInt } from '../k6/workload.js';

export type Surface = 'rest' | 'trpc';

export type RoutedOperation =
  | 'createRaffle'
  | 'getRaffle'
  | 'issue'
  | 'transfer'
  | 'draw'
  | 'listParticipants'
  | 'getParticipant'
  | 'issueBulk'
  | 'transferBulk'
  | 'noop'
  | PrizeOperation
  | CampaignOperation;

/** Operations of the prize kind (`/api/prize-raffles`), for the history recorder. */
export type PrizeOperation =
  'prizeCreate' | 'prizeGet' | 'prizeClaim' | 'prizeDraw' | 'prizeWinners' | 'prizeVerify';

/** Operations of the campaign kind (`/api/campaigns`), for the history recorder. */
export type CampaignOperation =
  'campaignCreate' | 'campaignGet' | 'campaignDraw' | 'campaignPhoneDraws' | 'campaignRedeem';

export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

type Input = Record<string, unknown>;

interface Route {
  method: 'GET' | 'POST';
  procedure: string;
  /** REST path (with query) and body for an input. */
  rest(input: Input): { path: string; body?: Input };
}

const segment = (value: unknown): string => encodeURIComponent(String(value));
const rafflePath = (input: Input): string => `/api/raffles/${segment(input.raffleId)}`;
const prizePath = (input: Input): string => `/api/prize-raffles/${segment(input.id)}`;
const campaignPath = (input: Input): string => `/api/campaigns/${segment(input.campaignId)}`;
/** The input without the fields that travel in the REST path. */
const bodyWithout = (input: Input, ...keys: string[]): Input =>
  Object.fromEntries(Object.entries(input).filter(([key]) => !keys.includes(key)));

const routes: Record<RoutedOperation, Route> = {
  createRaffle: {
    method: 'POST',
    procedure: 'raffles.create',
    rest: (input) => ({ path: '/api/raffles', body: input }),
  },
  getRaffle: {
    method: 'GET',
    procedure: 'raffles.get',
    rest: (input) => ({ path: rafflePath(input) }),
  },
  issue: {
    method: 'POST',
    procedure: 'tickets.issue',
    rest: (input) => ({
      path: `${rafflePath(input)}/tickets`,
      body: { username: input.username, count: input.count },
    }),
  },
  transfer: {
    method: 'POST',
    procedure: 'transfers.create',
    rest: (input) => ({
      path: `${rafflePath(input)}/transfers`,
      body: { from: input.from, to: input.to, count: input.count },
    }),
  },
  draw: {
    method: 'POST',
    procedure: 'draws.create',
    rest: (input) => ({ path: `${rafflePath(input)}/draws`, body: {} }),
  },
  listParticipants: {
    method: 'GET',
    procedure: 'participants.list',
    rest: (input) => {
      const cursor = typeof input.cursor === 'string' ? `&cursor=${segment(input.cursor)}` : '';
      return { path: `${rafflePath(input)}/participants?limit=${segment(input.limit)}${cursor}` };
    },
  },
  getParticipant: {
    method: 'GET',
    procedure: 'participants.get',
    rest: (input) => ({ path: `${rafflePath(input)}/participants/${segment(input.username)}` }),
  },
  issueBulk: {
    method: 'POST',
    procedure: 'tickets.issueBulk',
    rest: (input) => ({ path: `${rafflePath(input)}/tickets/bulk`, body: { items: input.items } }),
  },
  transferBulk: {
    method: 'POST',
    procedure: 'transfers.createBulk',
    rest: (input) => ({
      path: `${rafflePath(input)}/transfers/bulk`,
      body: { items: input.items },
    }),
  },
  noop: {
    method: 'POST',
    procedure: 'system.noop',
    rest: (input) => ({ path: '/api/noop', body: input }),
  },
  prizeCreate: {
    method: 'POST',
    procedure: 'prizeRaffles.create',
    rest: (input) => ({ path: '/api/prize-raffles', body: input }),
  },
  prizeGet: {
    method: 'GET',
    procedure: 'prizeRaffles.get',
    rest: (input) => ({ path: prizePath(input) }),
  },
  prizeClaim: {
    method: 'POST',
    procedure: 'prizeRaffles.claim',
    rest: (input) => ({ path: `${prizePath(input)}/entries`, body: bodyWithout(input, 'id') }),
  },
  prizeDraw: {
    method: 'POST',
    procedure: 'prizeRaffles.draw',
    rest: (input) => ({ path: `${prizePath(input)}/draws`, body: bodyWithout(input, 'id') }),
  },
  prizeWinners: {
    method: 'GET',
    procedure: 'prizeRaffles.winners',
    rest: (input) => ({ path: `${prizePath(input)}/winners` }),
  },
  prizeVerify: {
    method: 'POST',
    procedure: 'prizeRaffles.verify',
    rest: (input) => ({
      path: `${prizePath(input)}/verifications`,
      body: bodyWithout(input, 'id'),
    }),
  },
  campaignCreate: {
    method: 'POST',
    procedure: 'campaigns.create',
    rest: (input) => ({ path: '/api/campaigns', body: input }),
  },
  campaignGet: {
    method: 'GET',
    procedure: 'campaigns.get',
    rest: (input) => ({ path: campaignPath(input) }),
  },
  campaignDraw: {
    method: 'POST',
    procedure: 'campaigns.draw',
    rest: (input) => ({
      path: `${campaignPath(input)}/draws`,
      body: bodyWithout(input, 'campaignId'),
    }),
  },
  campaignPhoneDraws: {
    method: 'GET',
    procedure: 'campaigns.phoneDraws',
    rest: (input) => ({ path: `${campaignPath(input)}/draws?phone=${segment(input.phone)}` }),
  },
  campaignRedeem: {
    method: 'POST',
    procedure: 'campaigns.redeem',
    rest: (input) => ({
      path: `${campaignPath(input)}/redemptions`,
      body: bodyWithout(input, 'campaignId'),
    }),
  },
};

/** The HTTP request that performs `operation` with `input` on `surface`. */
export function httpCallFor(surface: Surface, operation: RoutedOperation, input: Input): HttpCall {
  const route = routes[operation];
  if (surface === 'rest') {
    const { path, body } = route.rest(input);
    return route.method === 'GET'
      ? { method: 'GET', path }
      : { method: 'POST', path, body: JSON.stringify(body ?? {}) };
  }
  const payload = JSON.stringify({ json: input });
  const path = `/trpc/${route.procedure}`;
  return route.method === 'GET'
    ? { method: 'GET', path: `${path}?input=${encodeURIComponent(payload)}` }
    : { method: 'POST', path, body: payload };
}

export interface Answer {
  status: number;
  /** The procedure's output on success, else `undefined`. */
  value: unknown;
  /** The refusal's stable reason, when the body carries one. */
  reason: string | undefined;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** Reads an answer of either surface: the output on success, the reason on a refusal. */
export function answerOf(surface: Surface, status: number, bodyText: string): Answer {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) {
    const value = surface === 'trpc' ? field(field(field(body, 'result'), 'data'), 'json') : body;
    return { status, value, reason: undefined };
  }
  const error = surface === 'trpc' ? field(field(body, 'error'), 'json') : body;
  const reason = field(error, 'reason');
  return { status, value: undefined, reason: typeof reason === 'string' ? reason : undefined };
}

/**
 * A single call of `operation` on the default raffle (`main`) by a random user of a pool of
 * `pool`, to a different random user for a transfer: what the profilers drive.
 */
export function randomSingleCall(
  surface: Surface,
  operation: RoutedOperation,
  pool = 10_000,
): HttpCall {
  const username = `u${randomInt(0, pool - 1)}`;
  const to = `u${randomInt(0, pool - 1)}`;
  return httpCallFor(surface, operation, {
    raffleId: 'main',
    username,
    from: username,
    to: to === username ? `${to}x` : to,
    count: 1,
  });
}
