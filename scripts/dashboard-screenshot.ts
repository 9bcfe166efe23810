/**
 * `npm run dashboard:screenshot`: the README's pictures of the dashboard. Starts a service in this
 * process, makes a raffle of each kind, keeps some load and a few draws going, and photographs
 * the page at desktop and phone widths into docs/ with Debian's Chromium.
 */
import { pino } from 'pino';
import { defaultConfig } from '../src/server/env.js';
import { startServer } from '../src/server/server.js';
import { launchBrowser } from '../test/support/browser.js';

const server = await startServer(
  defaultConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', durability: 'none' }),
  pino({ level: 'silent' }),
);
const post = (path: string, body: unknown = {}) =>
  fetch(`${server.url}/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

await post('/raffles', { id: 'spring-fair', name: 'Spring fair' });
await post('/raffles', { id: 'staff-draw', name: 'Staff draw' });
await post('/prize-raffles', {
  id: 'quiz-night',
  name: 'Quiz night',
  ticketCount: 500,
  prizes: [{ name: 'Bicycle' }, { name: 'Cookbook' }],
});
const now = Date.now();
await post('/campaigns', {
  id: 'summer',
  name: 'Summer instant win',
  startsAt: new Date(now - 86_400_000).toISOString(),
  endsAt: new Date(now + 30 * 86_400_000).toISOString(),
  timeZone: 'Asia/Singapore',
  prizes: [{ name: '$5 coupon', probability: 0.3, quotaTotal: 1000, quotaDaily: 50 }],
});
for (let i = 0; i < 40; i += 1) {
  await post('/campaigns/summer/draws', { phone: `+6591${String(234500 + i)}` });
}

let running = true;
const names = ['ada', 'bao', 'chen', 'dara', 'emeka', 'farah', 'gus', 'hana', 'ivo', 'jun'];
const load = (async () => {
  let i = 0;
  while (running) {
    const items = Array.from({ length: 20 }, (_, k) => ({
      username: `${names[(i + k) % names.length]}${(i * 7 + k) % 400}`,
      count: 1 + ((i + k) % 4),
    }));
    await Promise.all([
      post('/raffles/spring-fair/tickets/bulk', { items }),
      post('/raffles/staff-draw/tickets', { username: names[i % names.length], count: 1 }),
    ]);
    i += 1;
    if (i % 40 === 0) await post('/raffles/spring-fair/draws');
  }
})();

const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${server.url}/dashboard`);
  await page.waitForTimeout(9_000);
  await page.screenshot({ path: 'docs/dashboard.png' });
  const phone = await browser.newPage({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
  });
  await phone.goto(`${server.url}/dashboard#/raffles/spring-fair`);
  await phone.waitForTimeout(2_000);
  await phone.screenshot({ path: 'docs/dashboard-phone.png' });
} finally {
  running = false;
  await load;
  await browser.close();
  await server.close();
}
console.log('wrote docs/dashboard.png and docs/dashboard-phone.png');
