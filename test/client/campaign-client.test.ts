/**
 * Campaigns through the typed client (tRPC with superjson and batching) against the real service:
 * every procedure, refusals with their reason codes, an outsider's address refused on operator
 * procedures, and the published input and output types.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createRaffleClient,
  type RaffleInputs,
  type RaffleOutputs,
  type Reason,
} from '../../client/src/index.js';
import { reasonOfCall, useClientServer } from '../support/client-server.js';

const running = useClientServer();

describe('typed client: campaigns', () => {
  it('creates, lists, reads, draws, reads a phone back and redeems', async () => {
    const created = await running.client.campaigns.create.mutate({
      id: 'client-campaign',
      name: 'Client campaign',
      startsAt: '2020-01-01T00:00:00Z',
      endsAt: '2099-01-01T00:00:00Z',
      timeZone: 'Pacific/Pago_Pago',
      prizes: [{ name: 'Cash', probability: 1, quotaTotal: 2 }],
    });
    expect(created).toMatchObject({
      id: 'client-campaign',
      timeZone: 'Pacific/Pago_Pago',
      status: 'active',
    });
    // Batched in one request: the list and the campaign.
    const [page, one] = await Promise.all([
      running.client.campaigns.list.query({ limit: 10 }),
      running.client.campaigns.get.query({ campaignId: 'client-campaign' }),
    ]);
    expect(page.campaigns[0]?.id).toBe('client-campaign');
    expect(one.prizes[0]).toMatchObject({ id: 'cash', remainingToday: 2 });

    const drawn = await running.client.campaigns.draw.mutate({
      campaignId: 'client-campaign',
      phone: '+1 415 555 2671',
    });
    expect(drawn).toMatchObject({ phone: '+14155552671', won: true, prize: { id: 'cash' } });
    const code = drawn.coupon?.code as string;
    expect(
      await reasonOfCall(
        running.client.campaigns.draw.mutate({
          campaignId: 'client-campaign',
          phone: '+14155552671',
        }),
      ),
    ).toBe('already_drawn_today');
    expect(
      await reasonOfCall(
        running.client.campaigns.draw.mutate({
          campaignId: 'client-campaign',
          phone: '4155552671',
        }),
      ),
    ).toBe('invalid_phone');

    const history = await running.client.campaigns.phoneDraws.query({
      campaignId: 'client-campaign',
      phone: '+14155552671',
    });
    expect(history.draws[0]?.coupon?.code).toBe(code);
    const redeemed = await running.client.campaigns.redeem.mutate({
      campaignId: 'client-campaign',
      couponCode: code,
    });
    expect(redeemed).toMatchObject({ code, drawId: 1 });
    expect(
      await reasonOfCall(
        running.client.campaigns.redeem.mutate({ campaignId: 'client-campaign', couponCode: code }),
      ),
    ).toBe('coupon_already_redeemed');
    expect(await reasonOfCall(running.client.campaigns.get.query({ campaignId: 'none' }))).toBe(
      'campaign_not_found',
    );
  });

  it('operator procedures refuse an outsider address (X-Forwarded-For from loopback)', async () => {
    const outsider = createRaffleClient({
      url: running.server.url,
      headers: { 'x-forwarded-for': '198.51.100.4' },
    });
    expect(
      await reasonOfCall(
        outsider.campaigns.phoneDraws.query({
          campaignId: 'client-campaign',
          phone: '+14155552671',
        }),
      ),
    ).toBe('manager_only');
    expect(
      await reasonOfCall(
        outsider.campaigns.redeem.mutate({ campaignId: 'client-campaign', couponCode: 'X' }),
      ),
    ).toBe('manager_only');
    // Drawing is open to anyone.
    const drawn = await outsider.campaigns.draw.mutate({
      campaignId: 'client-campaign',
      phone: '+447911123456',
    });
    expect(drawn.drawId).toBe(2);
  });

  it('types: inputs and outputs of the campaign procedures', () => {
    expectTypeOf<RaffleInputs['campaigns']['draw']>().toMatchTypeOf<{
      campaignId: string;
      phone: string;
    }>();
    expectTypeOf<RaffleOutputs['campaigns']['draw']['coupon']>().toEqualTypeOf<{
      code: string;
    } | null>();
    expectTypeOf<
      RaffleOutputs['campaigns']['get']['prizes'][number]['remainingToday']
    >().toEqualTypeOf<number>();
    expectTypeOf<'coupon_already_redeemed'>().toMatchTypeOf<Reason>();
  });
});
