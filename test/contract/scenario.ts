/**
 * The contract test's scenario, written as a REST user would write it: against the types
 * openapi-typescript generated from the served `/openapi.json`, through openapi-fetch.
 *
 * It calls every operation, succeeding, and provokes every reason each operation documents for
 * its own rules, for its input, for operators and for idempotency keys. The contract test
 * (`generated-clients.test.ts`) type-checks this file with `tsc --strict` against the freshly
 * generated `generated/openapi-types.ts` (so it is left out of the repository's own type check and
 * lint, which run before anything is generated), then runs it with a middleware that validates
 * every answer against the document.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './generated/openapi-types.js';

/** A caller the service does not count as an operator (a client behind the loopback proxy). */
const outsider = { 'X-Forwarded-For': '203.0.113.9' };

export interface Limits {
  rafflesMax: number;
  participantsPerRaffleMax: number;
}

type Answer = { data?: unknown; error?: unknown; response: Response };

function expectStatus(answer: Answer, status: number, reason?: string): void {
  const got = answer.response.status;
  const error = answer.error as { reason?: string } | undefined;
  if (got !== status || (reason !== undefined && error?.reason !== reason)) {
    throw new Error(
      `${answer.response.url}: expected ${status} ${reason ?? ''}, got ${got} ${JSON.stringify(answer.error ?? answer.data)}`,
    );
  }
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what}`);
  return value;
}

export async function runScenario(baseUrl: string, observe: Middleware, limits: Limits) {
  const api = createClient<paths>({ baseUrl: `${baseUrl}/api` });
  api.use(observe);
  const key = (name: string) => ({ 'Idempotency-Key': `contract-${name}` });

  // Ledger raffles.
  const created = await api.POST('/raffles', { body: { id: 'contract', name: 'Contract' } });
  expectStatus(created, 201);
  const raffleId = need(created.data, 'raffle').id;
  const path = { raffleId };
  expectStatus(
    await api.POST('/raffles', { body: { id: 'contract', name: 'Again' } }),
    409,
    'raffle_id_taken',
  );
  expectStatus(await api.POST('/raffles', { body: { name: '' } }), 400, 'invalid_input');
  const keyed = { params: { header: key('raffle') }, body: { name: 'Keyed' } };
  expectStatus(await api.POST('/raffles', keyed), 201);
  expectStatus(
    await api.POST('/raffles', { params: { header: key('raffle') }, body: { name: 'Other' } }),
    422,
    'idempotency_key_reused',
  );

  const page = await api.GET('/raffles', { params: { query: { limit: 1 } } });
  expectStatus(page, 200);
  const cursor = need(page.data?.nextCursor ?? undefined, 'raffle cursor');
  expectStatus(await api.GET('/raffles', { params: { query: { limit: 1, cursor } } }), 200);
  expectStatus(
    await api.GET('/raffles', { params: { query: { cursor: '99999999' } } }),
    400,
    'invalid_cursor',
  );
  expectStatus(
    await api.GET('/raffles', { params: { query: { limit: 0 } } }),
    400,
    'invalid_input',
  );

  expectStatus(await api.GET('/raffles/{raffleId}', { params: { path } }), 200);
  expectStatus(
    await api.GET('/raffles/{raffleId}', { params: { path: { raffleId: 'absent' } } }),
    404,
    'raffle_not_found',
  );
  expectStatus(
    await api.GET('/raffles/{raffleId}', { params: { path: { raffleId: 'NOT A SLUG' } } }),
    400,
    'invalid_input',
  );

  const issue = (username: string, count: number, raffle = raffleId) =>
    api.POST('/raffles/{raffleId}/tickets', {
      params: { path: { raffleId: raffle } },
      body: { username, count },
    });
  expectStatus(await issue('alice', 10), 200);
  expectStatus(await issue('alice', 0), 400, 'invalid_input');
  expectStatus(await issue('alice', 1, 'absent'), 404, 'raffle_not_found');
  expectStatus(
    await api.POST('/raffles/{raffleId}/tickets', {
      params: { path, header: key('issue') },
      body: { username: 'bob', count: 1 },
    }),
    200,
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/tickets', {
      params: { path, header: key('issue') },
      body: { username: 'bob', count: 2 },
    }),
    422,
    'idempotency_key_reused',
  );
  const big = await api.POST('/raffles', { body: { id: 'contract-big', name: 'Big' } });
  expectStatus(big, 201);
  expectStatus(await issue('whale', Number.MAX_SAFE_INTEGER, 'contract-big'), 200);
  expectStatus(await issue('minnow', 1, 'contract-big'), 409, 'ticket_total_overflow');

  const transfer = (from: string, to: string, count: number, raffle = raffleId) =>
    api.POST('/raffles/{raffleId}/transfers', {
      params: { path: { raffleId: raffle } },
      body: { from, to, count },
    });
  expectStatus(await transfer('alice', 'carol', 2), 200);
  expectStatus(await transfer('alice', 'alice', 1), 400, 'transfer_to_self');
  expectStatus(await transfer('alice', 'carol', 0), 400, 'invalid_input');
  expectStatus(await transfer('alice', 'carol', 1, 'absent'), 404, 'raffle_not_found');
  expectStatus(await transfer('nobody', 'carol', 1), 404, 'participant_not_found');
  expectStatus(await transfer('carol', 'alice', 1_000), 409, 'insufficient_tickets');
  expectStatus(
    await api.POST('/raffles/{raffleId}/transfers', {
      params: { path, header: key('transfer') },
      body: { from: 'alice', to: 'bob', count: 1 },
    }),
    200,
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/transfers', {
      params: { path, header: key('transfer') },
      body: { from: 'alice', to: 'bob', count: 2 },
    }),
    422,
    'idempotency_key_reused',
  );
  // Fill the raffle to its participant limit: a newcomer is refused, by issue and by transfer.
  for (let i = 0; ; i += 1) {
    const answer = await issue(`filler-${i}`, 1);
    if (answer.response.status !== 200) {
      expectStatus(answer, 409, 'participant_limit_reached');
      break;
    }
    if (i > limits.participantsPerRaffleMax) throw new Error('the participant limit never came');
  }
  expectStatus(await transfer('alice', 'newcomer', 1), 409, 'participant_limit_reached');

  const bulkIssue = await api.POST('/raffles/{raffleId}/tickets/bulk', {
    params: { path },
    body: {
      items: [
        { username: 'alice', count: 1 },
        { username: 'stranger', count: 1 },
      ],
    },
  });
  expectStatus(bulkIssue, 200);
  expectStatus(
    await api.POST('/raffles/{raffleId}/tickets/bulk', { params: { path }, body: { items: [] } }),
    400,
    'invalid_input',
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/tickets/bulk', {
      params: { path: { raffleId: 'absent' } },
      body: { items: [{ username: 'alice', count: 1 }] },
    }),
    404,
    'raffle_not_found',
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/tickets/bulk', {
      params: { path, header: key('issue-bulk') },
      body: { items: [{ username: 'alice', count: 1 }] },
    }),
    200,
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/tickets/bulk', {
      params: { path, header: key('issue-bulk') },
      body: { items: [{ username: 'alice', count: 2 }] },
    }),
    422,
    'idempotency_key_reused',
  );
  const bulkTransfer = await api.POST('/raffles/{raffleId}/transfers/bulk', {
    params: { path },
    body: {
      items: [
        { from: 'alice', to: 'bob', count: 1 },
        { from: 'nobody', to: 'bob', count: 1 },
      ],
    },
  });
  expectStatus(bulkTransfer, 200);
  expectStatus(
    await api.POST('/raffles/{raffleId}/transfers/bulk', { params: { path }, body: { items: [] } }),
    400,
    'invalid_input',
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/transfers/bulk', {
      params: { path: { raffleId: 'absent' } },
      body: { items: [{ from: 'alice', to: 'bob', count: 1 }] },
    }),
    404,
    'raffle_not_found',
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/transfers/bulk', {
      params: { path, header: key('transfer-bulk') },
      body: { items: [{ from: 'alice', to: 'bob', count: 1 }] },
    }),
    200,
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/transfers/bulk', {
      params: { path, header: key('transfer-bulk') },
      body: { items: [{ from: 'alice', to: 'bob', count: 2 }] },
    }),
    422,
    'idempotency_key_reused',
  );

  // Draws: no body needed.
  const drawn = await api.POST('/raffles/{raffleId}/draws', { params: { path } });
  expectStatus(drawn, 201);
  const drawId: number = need(drawn.data, 'draw').drawId;
  if (drawId < 1) throw new Error('draw ids are 1-based');
  expectStatus(
    await api.POST('/raffles/{raffleId}/draws', { params: { path, header: key('draw') } }),
    201,
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/draws', {
      params: { path, header: key('draw') },
      body: { requestId: 'contract-other' },
    }),
    400,
    'invalid_input',
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/draws', { params: { path: { raffleId: 'absent' } } }),
    404,
    'raffle_not_found',
  );
  expectStatus(
    await api.POST('/raffles/{raffleId}/draws', { params: { path: { raffleId: 'NOT A SLUG' } } }),
    400,
    'invalid_input',
  );
  const empty = await api.POST('/raffles', { body: { id: 'contract-empty', name: 'Empty' } });
  expectStatus(empty, 201);
  expectStatus(
    await api.POST('/raffles/{raffleId}/draws', {
      params: { path: { raffleId: 'contract-empty' } },
    }),
    409,
    'raffle_empty',
  );
  // The same key for a draw of another raffle is another request.
  expectStatus(
    await api.POST('/raffles/{raffleId}/draws', {
      params: { path: { raffleId: 'contract-big' }, header: key('draw') },
    }),
    422,
    'idempotency_key_reused',
  );

  const history = await api.GET('/raffles/{raffleId}/draws', {
    params: { path, query: { limit: 1 } },
  });
  expectStatus(history, 200);
  const drawCursor = need(history.data?.nextCursor ?? undefined, 'draw cursor');
  expectStatus(
    await api.GET('/raffles/{raffleId}/draws', { params: { path, query: { cursor: drawCursor } } }),
    200,
  );
  expectStatus(
    await api.GET('/raffles/{raffleId}/draws', { params: { path, query: { cursor: 'forged' } } }),
    400,
    'invalid_cursor',
  );
  expectStatus(
    await api.GET('/raffles/{raffleId}/draws', { params: { path, query: { limit: 5000 } } }),
    400,
    'invalid_input',
  );
  expectStatus(
    await api.GET('/raffles/{raffleId}/draws', { params: { path: { raffleId: 'absent' } } }),
    404,
    'raffle_not_found',
  );

  const people = await api.GET('/raffles/{raffleId}/participants', {
    params: { path, query: { limit: 2 } },
  });
  expectStatus(people, 200);
  const peopleCursor = need(people.data?.nextCursor ?? undefined, 'participant cursor');
  expectStatus(
    await api.GET('/raffles/{raffleId}/participants', {
      params: { path, query: { cursor: peopleCursor } },
    }),
    200,
  );
  expectStatus(
    await api.GET('/raffles/{raffleId}/participants', {
      params: { path, query: { cursor: '99999999' } },
    }),
    400,
    'invalid_cursor',
  );
  expectStatus(
    await api.GET('/raffles/{raffleId}/participants', { params: { path, query: { limit: 0 } } }),
    400,
    'invalid_input',
  );
  expectStatus(
    await api.GET('/raffles/{raffleId}/participants', { params: { path: { raffleId: 'absent' } } }),
    404,
    'raffle_not_found',
  );

  const one = (username: string, raffle = raffleId) =>
    api.GET('/raffles/{raffleId}/participants/{username}', {
      params: { path: { raffleId: raffle, username } },
    });
  expectStatus(await one('alice'), 200);
  expectStatus(await one('nobody'), 404, 'participant_not_found');
  expectStatus(await one('alice', 'absent'), 404, 'raffle_not_found');
  expectStatus(await one(' alice'), 400, 'invalid_input');

  expectStatus(await api.POST('/noop', { body: { username: 'alice', count: 1 } }), 200);
  expectStatus(
    await api.POST('/noop', { body: { username: 'alice', count: -1 } }),
    400,
    'invalid_input',
  );

  // Campaigns.
  const window = { startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z' };
  const prize = { name: 'Mug', probability: 1, quotaTotal: 100, quotaDaily: 100 };
  const campaign = await api.POST('/campaigns', {
    body: { id: 'contract', name: 'Contract', ...window, prizes: [prize] },
  });
  expectStatus(campaign, 201);
  const campaignPath = { campaignId: 'contract' };
  expectStatus(
    await api.POST('/campaigns', {
      body: { id: 'contract', name: 'Again', ...window, prizes: [prize] },
    }),
    409,
    'campaign_id_taken',
  );
  expectStatus(
    await api.POST('/campaigns', {
      body: {
        name: 'Too likely',
        ...window,
        prizes: [prize, { ...prize, name: 'Cup', probability: 0.5 }],
      },
    }),
    400,
    'probabilities_exceed_one',
  );
  expectStatus(
    await api.POST('/campaigns', { body: { name: '', ...window, prizes: [prize] } }),
    400,
    'invalid_input',
  );
  expectStatus(
    await api.POST('/campaigns', {
      headers: outsider,
      body: { name: 'Outsider', ...window, prizes: [prize] },
    }),
    403,
    'manager_only',
  );
  const laterWindow = { startsAt: '2098-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z' };
  expectStatus(
    await api.POST('/campaigns', {
      params: { header: key('campaign') },
      body: { id: 'contract-later', name: 'Later', ...laterWindow, prizes: [prize] },
    }),
    201,
  );
  expectStatus(
    await api.POST('/campaigns', {
      params: { header: key('campaign') },
      body: { name: 'Other', ...window, prizes: [prize] },
    }),
    422,
    'idempotency_key_reused',
  );

  const campaigns = await api.GET('/campaigns', { params: { query: { limit: 1 } } });
  expectStatus(campaigns, 200);
  const campaignCursor = need(campaigns.data?.nextCursor ?? undefined, 'campaign cursor');
  expectStatus(await api.GET('/campaigns', { params: { query: { cursor: campaignCursor } } }), 200);
  expectStatus(
    await api.GET('/campaigns', { params: { query: { cursor: '99999999' } } }),
    400,
    'invalid_cursor',
  );
  expectStatus(
    await api.GET('/campaigns', { params: { query: { limit: 0 } } }),
    400,
    'invalid_input',
  );

  expectStatus(await api.GET('/campaigns/{campaignId}', { params: { path: campaignPath } }), 200);
  expectStatus(
    await api.GET('/campaigns/{campaignId}', { params: { path: { campaignId: 'absent' } } }),
    404,
    'campaign_not_found',
  );
  expectStatus(
    await api.GET('/campaigns/{campaignId}', { params: { path: { campaignId: 'NOT A SLUG' } } }),
    400,
    'invalid_input',
  );

  const phoneDraw = (phone: string, campaignId = 'contract') =>
    api.POST('/campaigns/{campaignId}/draws', {
      params: { path: { campaignId } },
      body: { phone },
    });
  const won = await phoneDraw('+65 9123 4567');
  expectStatus(won, 201);
  const coupon = need(won.data?.coupon ?? undefined, 'coupon').code;
  expectStatus(await phoneDraw('+6591234567'), 409, 'already_drawn_today');
  expectStatus(await phoneDraw('not a phone'), 400, 'invalid_phone');
  expectStatus(await phoneDraw(''), 400, 'invalid_input');
  expectStatus(await phoneDraw('+6591234568', 'absent'), 404, 'campaign_not_found');
  expectStatus(await phoneDraw('+6591234568', 'contract-later'), 409, 'campaign_not_active');
  expectStatus(
    await api.POST('/campaigns/{campaignId}/draws', {
      params: { path: campaignPath, header: key('phone') },
      body: { phone: '+6591230000' },
    }),
    201,
  );
  expectStatus(
    await api.POST('/campaigns/{campaignId}/draws', {
      params: { path: campaignPath, header: key('phone') },
      body: { phone: '+6591230001' },
    }),
    422,
    'idempotency_key_reused',
  );
  for (let i = 0; ; i += 1) {
    const answer = await phoneDraw(`+659124${String(i).padStart(4, '0')}`);
    if (answer.response.status !== 201) {
      expectStatus(answer, 409, 'participant_limit_reached');
      break;
    }
    if (i > limits.participantsPerRaffleMax) throw new Error('the phone limit never came');
  }

  const phoneDraws = (
    phone: string,
    campaignId = 'contract',
    headers: Record<string, string> = {},
  ) =>
    api.GET('/campaigns/{campaignId}/draws', {
      params: { path: { campaignId }, query: { phone } },
      headers,
    });
  expectStatus(await phoneDraws('+6591234567'), 200);
  expectStatus(await phoneDraws('not a phone'), 400, 'invalid_phone');
  expectStatus(await phoneDraws(''), 400, 'invalid_input');
  expectStatus(await phoneDraws('+6591234567', 'absent'), 404, 'campaign_not_found');
  expectStatus(await phoneDraws('+6591234567', 'contract', outsider), 403, 'manager_only');

  const redeem = (
    couponCode: string,
    campaignId = 'contract',
    headers: Record<string, string> = {},
  ) =>
    api.POST('/campaigns/{campaignId}/redemptions', {
      params: { path: { campaignId } },
      headers,
      body: { couponCode },
    });
  expectStatus(await redeem(coupon, 'contract', outsider), 403, 'manager_only');
  expectStatus(await redeem(coupon, 'contract', key('redeem')), 200);
  expectStatus(
    await redeem('OTHER-CODE', 'contract', key('redeem')),
    422,
    'idempotency_key_reused',
  );
  expectStatus(await redeem(coupon), 409, 'coupon_already_redeemed');
  expectStatus(await redeem('NO-SUCH-CODE'), 404, 'coupon_not_found');
  expectStatus(await redeem(coupon, 'absent'), 404, 'campaign_not_found');
  expectStatus(await redeem(''), 400, 'invalid_input');

  // Prize raffles.
  const prizeRaffle = await api.POST('/prize-raffles', {
    body: { id: 'contract', name: 'Contract', ticketCount: 2, prizes: [{ name: 'Car' }] },
  });
  expectStatus(prizeRaffle, 201);
  const prizePath = { id: 'contract' };
  expectStatus(
    await api.POST('/prize-raffles', {
      body: { id: 'contract', name: 'Again', ticketCount: 2, prizes: [{ name: 'Car' }] },
    }),
    409,
    'raffle_id_taken',
  );
  expectStatus(
    await api.POST('/prize-raffles', {
      body: { name: 'Greedy', ticketCount: 1, prizes: [{ name: 'A' }, { name: 'B' }] },
    }),
    400,
    'too_many_prizes',
  );
  expectStatus(
    await api.POST('/prize-raffles', {
      body: { name: 'None', ticketCount: 0, prizes: [{ name: 'A' }] },
    }),
    400,
    'invalid_input',
  );
  expectStatus(
    await api.POST('/prize-raffles', {
      headers: outsider,
      body: { name: 'Outsider', ticketCount: 1, prizes: [{ name: 'A' }] },
    }),
    403,
    'manager_only',
  );
  expectStatus(
    await api.POST('/prize-raffles', {
      params: { header: key('prize') },
      body: { id: 'contract-open', name: 'Open', ticketCount: 5, prizes: [{ name: 'A' }] },
    }),
    201,
  );
  expectStatus(
    await api.POST('/prize-raffles', {
      params: { header: key('prize') },
      body: { name: 'Other', ticketCount: 5, prizes: [{ name: 'A' }] },
    }),
    422,
    'idempotency_key_reused',
  );

  const prizes = await api.GET('/prize-raffles', { params: { query: { limit: 1 } } });
  expectStatus(prizes, 200);
  const prizeCursor = need(prizes.data?.nextCursor ?? undefined, 'prize raffle cursor');
  expectStatus(
    await api.GET('/prize-raffles', { params: { query: { cursor: prizeCursor } } }),
    200,
  );
  expectStatus(
    await api.GET('/prize-raffles', { params: { query: { cursor: '99999999' } } }),
    400,
    'invalid_cursor',
  );
  expectStatus(
    await api.GET('/prize-raffles', { params: { query: { limit: 0 } } }),
    400,
    'invalid_input',
  );

  expectStatus(await api.GET('/prize-raffles/{id}', { params: { path: prizePath } }), 200);
  expectStatus(
    await api.GET('/prize-raffles/{id}', { params: { path: { id: 'absent' } } }),
    404,
    'raffle_not_found',
  );
  expectStatus(
    await api.GET('/prize-raffles/{id}', { params: { path: { id: 'NOT A SLUG' } } }),
    400,
    'invalid_input',
  );

  const winnersOf = (id: string) =>
    api.GET('/prize-raffles/{id}/winners', { params: { path: { id } } });
  const verify = (id: string, ticketNumber: number, verificationCode: string) =>
    api.POST('/prize-raffles/{id}/verifications', {
      params: { path: { id } },
      body: { ticketNumber, verificationCode },
    });
  const drawPrizes = (id: string, headers: Record<string, string> = {}) =>
    api.POST('/prize-raffles/{id}/draws', { params: { path: { id } }, headers });
  const claim = (id: string, headers: Record<string, string> = {}) =>
    api.POST('/prize-raffles/{id}/entries', { params: { path: { id } }, headers });

  const mine = await claim('contract', { 'X-Forwarded-For': '198.51.100.1' });
  expectStatus(mine, 201);
  const ticket = need(mine.data, 'ticket');
  expectStatus(
    await claim('contract', { 'X-Forwarded-For': '198.51.100.1' }),
    409,
    'already_participated',
  );
  expectStatus(await claim('absent'), 404, 'raffle_not_found');
  expectStatus(await claim('NOT A SLUG'), 400, 'invalid_input');
  expectStatus(
    await claim('contract', { 'X-Forwarded-For': 'not-an-address' }),
    400,
    'client_address_unknown',
  );
  expectStatus(await winnersOf('contract'), 409, 'not_drawn');
  expectStatus(
    await verify('contract', ticket.ticketNumber, ticket.verificationCode),
    409,
    'not_drawn',
  );
  expectStatus(await drawPrizes('contract'), 409, 'tickets_remaining');
  expectStatus(
    await claim('contract', { 'X-Forwarded-For': '198.51.100.2', ...key('claim') }),
    201,
  );
  expectStatus(
    await claim('contract-open', { 'X-Forwarded-For': '198.51.100.2', ...key('claim') }),
    422,
    'idempotency_key_reused',
  );
  expectStatus(await claim('contract', { 'X-Forwarded-For': '198.51.100.3' }), 409, 'sold_out');

  expectStatus(await drawPrizes('contract', outsider), 403, 'manager_only');
  expectStatus(await drawPrizes('contract', key('prize-draw')), 201);
  expectStatus(await drawPrizes('contract-open', key('prize-draw')), 422, 'idempotency_key_reused');
  expectStatus(await drawPrizes('contract'), 409, 'already_drawn');
  expectStatus(await drawPrizes('absent'), 404, 'raffle_not_found');
  expectStatus(await drawPrizes('NOT A SLUG'), 400, 'invalid_input');

  expectStatus(await winnersOf('contract'), 200);
  expectStatus(await winnersOf('absent'), 404, 'raffle_not_found');
  expectStatus(await winnersOf('NOT A SLUG'), 400, 'invalid_input');

  expectStatus(await verify('contract', ticket.ticketNumber, ticket.verificationCode), 200);
  expectStatus(
    await verify('contract', ticket.ticketNumber, 'wrong-code'),
    403,
    'verification_failed',
  );
  expectStatus(await verify('absent', 1, 'code'), 404, 'raffle_not_found');
  expectStatus(await verify('contract', 0, 'code'), 400, 'invalid_input');

  // Last, each kind up to its raffle limit.
  const fill = async (create: (i: number) => Promise<Answer>) => {
    for (let i = 0; ; i += 1) {
      const answer = await create(i);
      if (answer.response.status !== 201) {
        expectStatus(answer, 409, 'raffle_limit_reached');
        return;
      }
      if (i > limits.rafflesMax) throw new Error('the raffle limit never came');
    }
  };
  await fill((i) => api.POST('/raffles', { body: { id: `fill-${i}`, name: 'Fill' } }));
  await fill((i) =>
    api.POST('/campaigns', { body: { id: `fill-${i}`, name: 'Fill', ...window, prizes: [prize] } }),
  );
  await fill((i) =>
    api.POST('/prize-raffles', {
      body: { id: `fill-${i}`, name: 'Fill', ticketCount: 1, prizes: [{ name: 'A' }] },
    }),
  );
}
