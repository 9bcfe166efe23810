/**
 * Campaigns end to end over HTTP (REST) on a real server: every operation with its statuses and
 * reasons, phone spellings as one customer, coupons kept out of public answers, operator-only
 * operations refused to a non-allowlisted client address, idempotent draws, and hundreds of
 * concurrent draws that never pass a quota nor let one phone draw twice a day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { request, startTestServer } from '../support/server.js';

let running: RunningServer;
let url: string;

beforeAll(async () => {
  running = await startTestServer();
  url = running.url;
});
afterAll(async () => {
  await running?.close();
});

const outsider = { 'x-forwarded-for': '203.0.113.7' };
const open = { startsAt: '2020-01-01T00:00:00+08:00', endsAt: '2099-01-01T00:00:00Z' };

async function create(body: Record<string, unknown>) {
  return request(url, 'POST', '/api/campaigns', { name: 'Campaign', ...open, ...body });
}

describe('campaigns over REST', () => {
  it('create: 201 with instants in UTC, the canonical zone, prize ids and counters', async () => {
    const reply = await create({
      id: 'lunar',
      name: 'Lunar New Year',
      timeZone: 'asia/singapore',
      prizes: [
        { name: '$5 Cash Coupon', probability: 0.56, quotaTotal: 100, quotaDaily: 10 },
        { name: '$2 Cash Coupon', probability: 0.34, quotaTotal: 200 },
        { id: 'b1g1', name: 'Buy 1 get 1 free', probability: 0.1, quotaTotal: 5, quotaDaily: 1 },
      ],
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      id: 'lunar',
      startsAt: '2019-12-31T16:00:00.000Z',
      endsAt: '2099-01-01T00:00:00.000Z',
      timeZone: 'Asia/Singapore',
      status: 'active',
      drawCount: 0,
    });
    expect(reply.body.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(reply.body.prizes).toEqual([
      expect.objectContaining({ id: '5-cash-coupon', quotaDaily: 10, remainingToday: 10 }),
      expect.objectContaining({ id: '2-cash-coupon', quotaDaily: 200, remainingTotal: 200 }),
      expect.objectContaining({ id: 'b1g1', wonTotal: 0, wonToday: 0, remainingToday: 1 }),
    ]);
    expect(
      (await create({ id: 'lunar', prizes: [{ name: 'x', probability: 0.1, quotaTotal: 1 }] })).body
        .reason,
    ).toBe('campaign_id_taken');
  });

  it('create: refusals are 400 with their reason, and nothing is created', async () => {
    const prize = { name: 'P', probability: 0.5, quotaTotal: 1 };
    const cases: [Record<string, unknown>, string][] = [
      [{ prizes: [prize, { ...prize, probability: 0.5000001 }] }, 'probabilities_exceed_one'],
      [{ prizes: [prize], timeZone: 'Mars/Olympus_Mons' }, 'invalid_input'],
      [{ prizes: [prize], startsAt: '2027-01-01T00:00:00' }, 'invalid_input'],
      [{ prizes: [prize], startsAt: '2099-01-01T00:00:00Z' }, 'invalid_input'],
      [{ prizes: [{ ...prize, probability: '0.5' }] }, 'invalid_input'],
      [{ prizes: [{ ...prize, probability: 0 }] }, 'invalid_input'],
      [{ prizes: [{ ...prize, quotaTotal: -1 }] }, 'invalid_input'],
      [{ prizes: [] }, 'invalid_input'],
      [{ prizes: [prize], id: 'Not A Slug' }, 'invalid_input'],
    ];
    const before = (await request(url, 'GET', '/api/campaigns?limit=1000')).body.campaigns.length;
    for (const [body, reason] of cases) {
      const reply = await create(body);
      expect({ status: reply.status, reason: reply.body.reason }, JSON.stringify(body)).toEqual({
        status: 400,
        reason,
      });
    }
    expect((await request(url, 'GET', '/api/campaigns?limit=1000')).body.campaigns.length).toBe(
      before,
    );
  });

  it('list: newest first, paged, with a checked cursor', async () => {
    for (const id of ['page-1', 'page-2', 'page-3']) {
      expect(
        (await create({ id, prizes: [{ name: 'P', probability: 0.1, quotaTotal: 1 }] })).status,
      ).toBe(201);
    }
    const first = await request(url, 'GET', '/api/campaigns?limit=2');
    expect(first.body.campaigns.map((c: { id: string }) => c.id)).toEqual(['page-3', 'page-2']);
    const second = await request(
      url,
      'GET',
      `/api/campaigns?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.campaigns[0].id).toBe('page-1');
    for (const cursor of ['abc', '0', '999999', '-1']) {
      const reply = await request(url, 'GET', `/api/campaigns?cursor=${cursor}`);
      expect({ status: reply.status, reason: reply.body.reason }).toEqual({
        status: 400,
        reason: 'invalid_cursor',
      });
    }
  });

  it('draw: spellings of one number are one customer; once a day; invalid phones are 400', async () => {
    await create({ id: 'spell', prizes: [{ name: 'P', probability: 1, quotaTotal: 100 }] });
    const first = await request(url, 'POST', '/api/campaigns/spell/draws', {
      phone: '+65 9123 4567',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      campaignId: 'spell',
      phone: '+6591234567',
      won: true,
      drawId: 1,
    });
    expect(first.body.coupon.code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    for (const spelling of ['+6591234567', '(+65) 9123-4567', ' +65 91 23 45 67 ']) {
      const again = await request(url, 'POST', '/api/campaigns/spell/draws', { phone: spelling });
      expect({ status: again.status, reason: again.body.reason }).toEqual({
        status: 409,
        reason: 'already_drawn_today',
      });
    }
    for (const phone of [
      '91234567',
      '+65 1234',
      'hello',
      '+1 555 555 0123',
      '+6591234567 ext 2',
      '',
    ]) {
      const reply = await request(url, 'POST', '/api/campaigns/spell/draws', { phone });
      expect(reply.status, phone).toBe(400);
      expect(reply.body.reason, phone).toBe(phone === '' ? 'invalid_input' : 'invalid_phone');
    }
    const missing = await request(url, 'POST', '/api/campaigns/nope/draws', {
      phone: '+6591234567',
    });
    expect({ status: missing.status, reason: missing.body.reason }).toEqual({
      status: 404,
      reason: 'campaign_not_found',
    });
  });

  it('draw: 409 campaign_not_active before startsAt and from endsAt on', async () => {
    const prizes = [{ name: 'P', probability: 0.5, quotaTotal: 1 }];
    await create({
      id: 'later',
      prizes,
      startsAt: '2098-01-01T00:00:00Z',
      endsAt: '2099-01-01T00:00:00Z',
    });
    await create({
      id: 'over',
      prizes,
      startsAt: '2020-01-01T00:00:00Z',
      endsAt: '2021-01-01T00:00:00-05:00',
    });
    for (const id of ['later', 'over']) {
      const reply = await request(url, 'POST', `/api/campaigns/${id}/draws`, {
        phone: '+6591234567',
      });
      expect({ status: reply.status, reason: reply.body.reason }).toEqual({
        status: 409,
        reason: 'campaign_not_active',
      });
    }
    expect((await request(url, 'GET', '/api/campaigns/later')).body.status).toBe('upcoming');
    expect((await request(url, 'GET', '/api/campaigns/over')).body).toMatchObject({
      status: 'ended',
      endsAt: '2021-01-01T05:00:00.000Z',
    });
  });

  it('coupons: only the drawer and operators see them; redemption works once', async () => {
    await create({
      id: 'coupons',
      prizes: [{ id: 'p', name: 'Prize', probability: 1, quotaTotal: 10 }],
    });
    const drawn = await request(
      url,
      'POST',
      '/api/campaigns/coupons/draws',
      { phone: '+447911123456' },
      outsider,
    );
    expect(drawn.status).toBe(201);
    const code = drawn.body.coupon.code as string;
    // Public reads never show it.
    for (const path of ['/api/campaigns/coupons', '/api/campaigns?limit=1000']) {
      expect(
        JSON.stringify((await request(url, 'GET', path, undefined, outsider)).body),
      ).not.toContain(code);
    }
    // Knowing the phone is not enough: history and redemption are for operators.
    const history = await request(
      url,
      'GET',
      '/api/campaigns/coupons/draws?phone=%2B447911123456',
      undefined,
      outsider,
    );
    expect({ status: history.status, reason: history.body.reason }).toEqual({
      status: 403,
      reason: 'manager_only',
    });
    const stolen = await request(
      url,
      'POST',
      '/api/campaigns/coupons/redemptions',
      { couponCode: code },
      outsider,
    );
    expect({ status: stolen.status, reason: stolen.body.reason }).toEqual({
      status: 403,
      reason: 'manager_only',
    });
    // An operator (loopback) reads it back, also with a `+` left unencoded in the query.
    const listed = await request(url, 'GET', '/api/campaigns/coupons/draws?phone=+447911123456');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ phone: '+447911123456', drawCount: 1 });
    expect(listed.body.draws[0]).toMatchObject({
      won: true,
      prize: { id: 'p' },
      coupon: { code, redeemedAt: null },
    });
    const redeemed = await request(url, 'POST', '/api/campaigns/coupons/redemptions', {
      couponCode: code.toLowerCase().replaceAll('-', ''),
    });
    expect(redeemed.status).toBe(200);
    expect(redeemed.body).toMatchObject({
      code,
      phone: '+447911123456',
      drawId: 1,
      prize: { id: 'p', name: 'Prize' },
    });
    const twice = await request(url, 'POST', '/api/campaigns/coupons/redemptions', {
      couponCode: code,
    });
    expect({ status: twice.status, reason: twice.body.reason }).toEqual({
      status: 409,
      reason: 'coupon_already_redeemed',
    });
    for (const couponCode of ['0000-0000-0000-0000', 'nope']) {
      const unknown = await request(url, 'POST', '/api/campaigns/coupons/redemptions', {
        couponCode,
      });
      expect({ status: unknown.status, reason: unknown.body.reason }).toEqual({
        status: 404,
        reason: 'coupon_not_found',
      });
    }
    // A code is good only in its own campaign.
    const elsewhere = await request(url, 'POST', '/api/campaigns/spell/redemptions', {
      couponCode: code,
    });
    expect(elsewhere.body.reason).toBe('coupon_not_found');
    const after = await request(url, 'GET', '/api/campaigns/coupons/draws?phone=%2B447911123456');
    expect(after.body.draws[0].coupon.redeemedAt).toBe(redeemed.body.redeemedAt);
  });

  it('operators: creating a campaign is refused to a non-allowlisted address', async () => {
    const reply = await request(
      url,
      'POST',
      '/api/campaigns',
      { name: 'x', ...open, prizes: [{ name: 'P', probability: 0.1, quotaTotal: 1 }] },
      outsider,
    );
    expect({ status: reply.status, reason: reply.body.reason }).toEqual({
      status: 403,
      reason: 'manager_only',
    });
  });

  it('draw: a retried Idempotency-Key gets the same answer, coupon included', async () => {
    await create({ id: 'retry', prizes: [{ name: 'P', probability: 0.5, quotaTotal: 1000 }] });
    const headers = { 'idempotency-key': 'draw-retry-5f1c2a' };
    const first = await request(
      url,
      'POST',
      '/api/campaigns/retry/draws',
      { phone: '+6598765432' },
      headers,
    );
    const again = await request(
      url,
      'POST',
      '/api/campaigns/retry/draws',
      { phone: '+65 9876 5432' },
      headers,
    );
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const other = await request(
      url,
      'POST',
      '/api/campaigns/retry/draws',
      { phone: '+6598765433' },
      headers,
    );
    expect({ status: other.status, reason: other.body.reason }).toEqual({
      status: 422,
      reason: 'idempotency_key_reused',
    });
  });

  it('concurrency: 300 concurrent draws never pass the quotas; one phone drawing 20 times at once draws once', async () => {
    await create({
      id: 'rush',
      prizes: [
        { id: 'big', name: 'Big', probability: 0.5, quotaTotal: 40, quotaDaily: 30 },
        { id: 'small', name: 'Small', probability: 0.5, quotaTotal: 25 },
      ],
    });
    const phones = Array.from(
      { length: 300 },
      (_, i) => `+1415555${String(1000 + i).padStart(4, '0')}`,
    );
    const replies = await Promise.all(
      phones.map((phone) => request(url, 'POST', '/api/campaigns/rush/draws', { phone })),
    );
    expect(replies.every((r) => r.status === 201)).toBe(true);
    const wins = (id: string) => replies.filter((r) => r.body.prize?.id === id).length;
    expect(wins('big')).toBe(30);
    expect(wins('small')).toBe(25);
    const codes = new Set(replies.flatMap((r) => (r.body.coupon ? [r.body.coupon.code] : [])));
    expect(codes.size).toBe(55);
    const view = (await request(url, 'GET', '/api/campaigns/rush')).body;
    expect(view.prizes).toEqual([
      expect.objectContaining({
        id: 'big',
        wonTotal: 30,
        wonToday: 30,
        remainingTotal: 10,
        remainingToday: 0,
      }),
      expect.objectContaining({
        id: 'small',
        wonTotal: 25,
        wonToday: 25,
        remainingTotal: 0,
        remainingToday: 0,
      }),
    ]);
    expect(view.drawCount).toBe(300);

    const same = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(url, 'POST', '/api/campaigns/rush/draws', { phone: '+6581112222' }),
      ),
    );
    expect(same.filter((r) => r.status === 201)).toHaveLength(1);
    expect(same.filter((r) => r.body.reason === 'already_drawn_today')).toHaveLength(19);
    running.engine.stateMachine.checkInvariants();
  });

  it('openapi.json: every campaign operation with its reasons; operator ones need credentials', async () => {
    const doc = (await request(url, 'GET', '/openapi.json')).body;
    const reasonsOf = (path: string, method: string) =>
      Object.values(
        doc.paths[path][method].responses as Record<string, { 'x-reasons'?: string[] }>,
      ).flatMap((r) => r['x-reasons'] ?? []);
    expect(reasonsOf('/campaigns', 'post')).toEqual(
      expect.arrayContaining(['probabilities_exceed_one', 'manager_only']),
    );
    expect(reasonsOf('/campaigns/{campaignId}/draws', 'post')).toEqual(
      expect.arrayContaining([
        'invalid_phone',
        'already_drawn_today',
        'campaign_not_active',
        'campaign_not_found',
      ]),
    );
    expect(reasonsOf('/campaigns/{campaignId}/redemptions', 'post')).toEqual(
      expect.arrayContaining(['coupon_not_found', 'coupon_already_redeemed', 'manager_only']),
    );
    expect(doc.paths['/campaigns/{campaignId}/draws'].get.security).toBeDefined();
    expect(doc.paths['/campaigns/{campaignId}/draws'].post.security).toEqual([]);
    expect(Object.keys(doc.paths['/campaigns/{campaignId}/draws'].post.responses)).toContain('201');
  });
});

describe('campaigns with MANAGER_IPS that leaves loopback out', () => {
  it('every operator operation is 403 from 127.0.0.1; drawing and reading stay open', async () => {
    const server = await startTestServer({ managerIps: ['10.0.0.0/8'] });
    try {
      const body = { name: 'x', ...open, prizes: [{ name: 'P', probability: 0.1, quotaTotal: 1 }] };
      const attempts = [
        await request(server.url, 'POST', '/api/campaigns', body),
        await request(server.url, 'GET', '/api/campaigns/x/draws?phone=%2B6591234567'),
        await request(server.url, 'POST', '/api/campaigns/x/redemptions', {
          couponCode: 'AAAA-AAAA-AAAA-AAAA',
        }),
      ];
      expect(attempts.map((a) => [a.status, a.body.reason])).toEqual(
        new Array(3).fill([403, 'manager_only']),
      );
      expect((await request(server.url, 'GET', '/api/campaigns')).status).toBe(200);
      const draw = await request(server.url, 'POST', '/api/campaigns/x/draws', {
        phone: '+6591234567',
      });
      expect(draw.body.reason).toBe('campaign_not_found');
    } finally {
      await server.close();
    }
  });
});
