/**
 * `npm run bench:dashboard`: how long the dashboard takes to open on a raffle of 10^6
 * participants (`-- --participants N` for another size), in Debian's Chromium against a service in
 * this process: the overview until its figures show, and the raffle's page until its first page
 * of participants shows, timed inside the page from the start of navigation. Prints the median
 * of five openings of each, the bytes transferred, and the server's own share.
 */
import { pino } from 'pino';
import { defaultConfig } from '../src/server/env.js';
import { startServer } from '../src/server/server.js';
import { buildDashboard, launchBrowser } from '../test/support/browser.js';

// The page's globals this script reads in the browser (the project has no DOM types).
declare const window: {
  shownAt: number;
  performance: { getEntriesByType(type: string): { duration: number }[] };
};

const arg = process.argv.indexOf('--participants');
const participants = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000;
buildDashboard();
const server = await startServer(
  defaultConfig({ port: 0, host: '127.0.0.1', logLevel: 'silent', durability: 'none' }),
  pino({ level: 'silent' }),
);
const post = (path: string, body: unknown) =>
  fetch(`${server.url}/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
await post('/raffles', { id: 'big', name: 'Big raffle' });
for (let from = 0; from < participants; from += 10_000) {
  const items = Array.from({ length: Math.min(10_000, participants - from) }, (_, i) => ({
    username: `user${from + i}`,
    count: 1 + ((from + i) % 3),
  }));
  const answer = await post('/raffles/big/tickets/bulk', { items });
  if (!answer.ok) throw new Error(`bulk issue answered ${answer.status}`);
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Server side alone: a page of participants, and the event stream's first overview. */
const serverTimes = { page: [] as number[], overview: [] as number[] };
for (let round = 0; round < 5; round += 1) {
  let started = performance.now();
  await (await fetch(`${server.url}/api/raffles/big/participants?limit=50`)).arrayBuffer();
  serverTimes.page.push(performance.now() - started);
  started = performance.now();
  const stream = await fetch(`${server.url}/dashboard/events`);
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!text.includes('event: overview')) {
    text += new TextDecoder().decode((await reader.read()).value);
  }
  serverTimes.overview.push(performance.now() - started);
  await reader.cancel();
}
const browser = await launchBrowser();
const timings = { overview: [] as number[], raffle: [] as number[], load: [] as number[] };
let bytes = 0;
try {
  for (let round = 0; round < 5; round += 1) {
    for (const [name, hash, selector] of [
      ['overview', '', '[data-figure="ledger:big:participantCount"]'],
      ['raffle', '#/raffles/big', '[data-participant="user0"]'],
    ] as const) {
      const page = await browser.newPage();
      let transferred = 0;
      page.on('response', (response) => {
        void response.body().then(
          (body) => (transferred += body.length),
          () => undefined,
        );
      });
      // Timed inside the page, from the start of navigation, so the driver's own round trips
      // (slow on a loaded machine) do not count.
      await page.addInitScript(
        `(() => {
          const look = () => {
            if (document.querySelector(${JSON.stringify(selector)}) !== null) {
              window.shownAt = performance.now();
            } else {
              requestAnimationFrame(look);
            }
          };
          requestAnimationFrame(look);
        })();`,
      );
      await page.goto(`${server.url}/dashboard${hash}`);
      await page.waitForSelector(selector);
      const marks = await page.evaluate(() => ({
        shownAt: window.shownAt,
        loadAt: window.performance.getEntriesByType('navigation')[0]?.duration ?? 0,
      }));
      timings.load.push(marks.loadAt);
      timings[name].push(marks.shownAt);
      bytes = Math.max(bytes, transferred);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(
  `${participants} participants: overview ${median(timings.overview)?.toFixed(0)} ms, raffle page ${median(timings.raffle)?.toFixed(0)} ms (median of 5, from the start of navigation until the figures / the first participants show, timed in the page; the load event at ${median(timings.load)?.toFixed(0)} ms); at most ${bytes} bytes of responses per opening; server alone: a page of 50 participants ${median(serverTimes.page)?.toFixed(1)} ms, first overview event ${median(serverTimes.overview)?.toFixed(1)} ms`,
);
