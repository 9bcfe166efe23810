/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core): it shows the
 * figures the API gives, follows tickets and draws live, pages participants, fits a phone, can be
 * driven from the keyboard, and offers operator actions that work for operators and are refused
 * (by the API's own guard) for everyone else. Waits are for what the page shows, never for time.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { buildDashboard, hasChromium, launchBrowser } from '../support/browser.js';
import { request, startTestServer } from '../support/server.js';

// The page's global, for the functions that run in the browser (this project has no DOM types,
// and declaring it here keeps them out of every other file).
declare const document: any;

const shown = (value: number) => new Intl.NumberFormat('en').format(value);
const waitMs = 15_000;

async function openPage(browser: Browser, url: string, width = 1200): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.once('close', () => expect(errors).toEqual([]));
  await page.goto(url);
  return page;
}

async function figureText(page: Page, name: string): Promise<string> {
  return (await page.locator(`[data-figure="${name}"]`).first().textContent()) ?? '';
}

async function waitForFigure(page: Page, name: string, value: string): Promise<void> {
  await page.waitForFunction(
    ([n, v]) => document.querySelector(`[data-figure="${n}"]`)?.textContent === v,
    [name, value] as const,
    { timeout: waitMs },
  );
}

describe.skipIf(!hasChromium)('dashboard, as an operator (loopback is in MANAGER_IPS)', () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    buildDashboard();
    [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
    await request(server.url, 'POST', '/api/raffles', { id: 'r1', name: 'Spring fair' });
    await request(server.url, 'POST', '/api/raffles/r1/tickets/bulk', {
      items: [
        { username: 'ada', count: 3 },
        { username: 'bob', count: 2 },
        { username: 'cy', count: 1 },
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the figures the API gives and follows tickets and draws live', async () => {
    const page = await openPage(browser, `${server.url}/dashboard`);
    const api = (await request(server.url, 'GET', '/api/raffles/r1')).body;
    await waitForFigure(page, 'ledger:r1:totalTickets', shown(api.totalTickets));
    expect(await figureText(page, 'ledger:r1:participantCount')).toBe(shown(api.participantCount));
    expect(await figureText(page, 'ledger:r1:drawCount')).toBe(shown(api.drawCount));

    await request(server.url, 'POST', '/api/raffles/r1/tickets', { username: 'dee', count: 1234 });
    await waitForFigure(page, 'ledger:r1:totalTickets', shown(api.totalTickets + 1234));
    await waitForFigure(page, 'ledger:r1:participantCount', shown(api.participantCount + 1));

    const draw = (await request(server.url, 'POST', '/api/raffles/r1/draws')).body;
    const item = page.locator(`[data-draw="r1:${draw.drawId}"]`);
    await item.waitFor({ timeout: waitMs });
    expect(await item.textContent()).toContain(draw.username);
    await waitForFigure(page, 'ledger:r1:drawCount', shown(draw.drawId));
    // The charts get samples from the service's metrics.
    await page.waitForFunction(
      () => document.querySelector('[data-chart-now="Queue depth"]')?.textContent !== '–',
      undefined,
      { timeout: waitMs },
    );
    await page.close();
  });

  it('pages participants through the API and finds one by name', async () => {
    await request(server.url, 'POST', '/api/raffles', { id: 'big', name: 'Big one' });
    const items = Array.from({ length: 120 }, (_, i) => ({
      username: `p${String(i).padStart(3, '0')}`,
      count: 1 + (i % 3),
    }));
    await request(server.url, 'POST', '/api/raffles/big/tickets/bulk', { items });
    const page = await openPage(browser, `${server.url}/dashboard#/raffles/big`);
    const rows = page.locator('#participants tbody tr');
    await page.locator('[data-participant="p000"]').waitFor({ timeout: waitMs });
    expect(await rows.count()).toBe(50);

    const first = (await request(server.url, 'GET', '/api/raffles/big/participants?limit=50')).body;
    const second = (
      await request(
        server.url,
        'GET',
        `/api/raffles/big/participants?limit=50&cursor=${encodeURIComponent(first.nextCursor)}`,
      )
    ).body;
    await page.getByRole('button', { name: 'Next page' }).click();
    const expected = second.participants[0];
    await page.locator(`[data-participant="${expected.username}"]`).waitFor({ timeout: waitMs });
    expect(await rows.first().textContent()).toBe(`${expected.username}${expected.tickets}`);

    await page.getByLabel('Find a participant by exact name').fill('p119');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByText('p119 holds 3 ticket(s).').waitFor({ timeout: waitMs });
    await page.getByLabel('Find a participant by exact name').fill('nobody');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByText('nobody holds no ticket in this raffle.').waitFor({ timeout: waitMs });
    await page.close();
  });

  it('lets an operator draw and create raffles from the page', async () => {
    const page = await openPage(browser, `${server.url}/dashboard#/raffles/r1`);
    const before = (await request(server.url, 'GET', '/api/raffles/r1')).body.drawCount;
    const button = page.getByRole('button', { name: 'Draw a winner' });
    await button.waitFor({ state: 'visible', timeout: waitMs });
    await button.click();
    await page.getByText(`won draw #${before + 1}.`).waitFor({ timeout: waitMs });
    expect((await request(server.url, 'GET', '/api/raffles/r1')).body.drawCount).toBe(before + 1);

    await page.goto(`${server.url}/dashboard#/`);
    await page.getByRole('form', { name: 'Create a raffle' }).getByLabel('Name').fill('Made here');
    await page.getByRole('button', { name: 'Create raffle' }).click();
    await page.getByText(/^Created raffle r-/).waitFor({ timeout: waitMs });
    const names = (await request(server.url, 'GET', '/api/raffles')).body.raffles.map(
      (r: { name: string }) => r.name,
    );
    expect(names).toContain('Made here');
    await page.close();
  });

  it('fits a phone screen and can be driven from the keyboard', async () => {
    const page = await openPage(browser, `${server.url}/dashboard`, 390);
    await page.locator('[data-raffle="r1"]').waitFor({ timeout: waitMs });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input, button'))
        .filter((e: any) => e.offsetParent !== null)
        .filter((e: any) => {
          const labels = e.labels;
          return (labels?.length ?? 0) === 0 && (e.textContent ?? '').trim() === '';
        })
        .map((e: any) => e.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    // Tab to the raffle's link and follow it with Enter.
    let focused = '';
    for (let presses = 0; presses < 30 && focused !== '#/raffles/r1'; presses += 1) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.getAttribute('href') ?? '');
    }
    expect(focused).toBe('#/raffles/r1');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Spring fair' }).waitFor({ timeout: waitMs });
    await page.close();
  });
});

describe.skipIf(!hasChromium)('dashboard, as a visitor (no operator address)', () => {
  const token = 'dashboard-test-token-0123456789';
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    buildDashboard();
    [server, browser] = await Promise.all([
      startTestServer({ managerIps: [], managerToken: token }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('hides operator actions, which the API refuses, until the operator token is given', async () => {
    const page = await openPage(browser, `${server.url}/dashboard`);
    await page.locator('[data-raffle="main"]').waitFor({ timeout: waitMs });
    await page.waitForFunction(() => document.body.dataset.role === 'visitor', undefined, {
      timeout: waitMs,
    });
    expect(await page.getByRole('button', { name: 'Create prize raffle' }).isVisible()).toBe(false);
    const refused = await page.evaluate(async () => {
      const response = await fetch('/api/prize-raffles', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Sneaky', ticketCount: 2, prizes: [{ name: 'Car' }] }),
      });
      return { status: response.status, body: (await response.json()) as { reason: string } };
    });
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('manager_only');

    await page.locator('#operator summary').click();
    await page.getByLabel('Operator token (kept in this tab only)').fill(token);
    await page.getByRole('button', { name: 'Use token' }).click();
    const create = page.getByRole('form', { name: 'Create a prize raffle' });
    await create.waitFor({ state: 'visible', timeout: waitMs });
    await create.getByLabel('Name').fill('Quiz night');
    await create.getByLabel('Tickets').fill('2');
    await create.getByLabel('Prizes (comma-separated)').fill('Book');
    await page.getByRole('button', { name: 'Create prize raffle' }).click();
    await page.getByText(/^Created prize raffle p-/).waitFor({ timeout: waitMs });
    const listed = (await request(server.url, 'GET', '/api/prize-raffles')).body.raffles;
    expect(listed.map((r: { name: string }) => r.name)).toEqual(['Quiz night']);
    const id = listed[0].id as string;
    await page.locator(`[data-prize-raffle="${id}"]`).waitFor({ timeout: waitMs });
    await page.close();
  });
});
