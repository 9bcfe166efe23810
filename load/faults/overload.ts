/**
 * `npm run overload`: the built service, journaling with fsync, offered ten times what it can
 * do, and its memory measured meanwhile.
 *
 * First its capacity: as many clients as the queue holds (so batches are as full as they get
 * without a refusal), one request at a time each, issuing tickets for a few seconds.
 * Then an open loop at `--factor` (10) times that rate, as many requests in flight as it takes,
 * for `--seconds`. Every answer is counted by status and reason; each 503 must carry Retry-After.
 * Meanwhile the service's resident memory (VmRSS, from /proc) and its queue length (from
 * /healthz) are sampled. Then the offered load stops and the same closed loop runs again, to see
 * the service answer normally afterwards. Prints the figures and a verdict line: valid when every
 * answer was 200 or 503 `queue_full` with Retry-After, nothing went unanswered, and the queue
 * never passed its bound.
 *
 *   npm run overload
 *   npm run overload -- --factor 10 --seconds 10 --queue-length-max 100
 *
 * The open loop runs in this process, on the same shared machine: the rate it really offered is
 * printed beside the one asked for.
 */
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServerProcess } from '../runner/server-process.js';

const { values } = parseArgs({
  options: {
    factor: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    'queue-length-max': { type: 'string', default: '100' },
    'capacity-seconds': { type: 'string', default: '5' },
  },
});
const factor = Number(values.factor);
const seconds = Number(values.seconds);
const queueLengthMax = Number(values['queue-length-max']);
const capacitySeconds = Number(values['capacity-seconds']);

/**
 * Connections the open loop keeps, opened before it starts (fewer than the listen backlog, so no
 * connection attempt is dropped and retried by the kernel seconds later); past them, requests
 * wait in this process, counted as offered all the same.
 */
const socketsMax = 500;

function rssMb(pid: number): number {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

interface Answer {
  status: number;
  reason?: string | undefined;
  retryAfter: boolean;
  ms: number;
}

function send(agent: Agent, url: URL, path: string, body?: unknown): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: payload === undefined ? 'GET' : 'POST',
        agent,
        headers:
          payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          let reason: string | undefined;
          if (response.statusCode !== 200) {
            try {
              reason = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reason?: string })
                .reason;
            } catch {
              reason = 'unreadable';
            }
          }
          resolve({
            status: response.statusCode ?? 0,
            reason,
            retryAfter: response.headers['retry-after'] !== undefined,
            ms: performance.now() - started,
          });
        });
      },
    );
    outgoing.on('error', (error) =>
      resolve({ status: 0, reason: error.message, retryAfter: false, ms: 0 }),
    );
    outgoing.end(payload);
  });
}

const issue = (agent: Agent, url: URL, i: number) =>
  send(agent, url, '/api/raffles/main/tickets', { username: `u${i % 1000}`, count: 1 });

/** `clients` clients, one request at a time each, for `ms`: answers per second. */
async function closedLoop(agent: Agent, url: URL, ms: number, clients: number): Promise<number> {
  const until = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < until) {
        const answer = await issue(agent, url, client + done);
        if (answer.status === 200) done += 1;
      }
    }),
  );
  return done / (ms / 1000);
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

async function main(): Promise<void> {
  const service = await startServerProcess({
    env: {
      DURABILITY: 'fsync',
      DATA_DIR: './data',
      QUEUE_LENGTH_MAX: String(queueLengthMax),
      BATCH_SIZE_MAX: String(queueLengthMax),
    },
  });
  const url = new URL(service.url);
  try {
    const baseline = rssMb(service.pid);
    // As many clients as the queue holds: batches as full as they get without a refusal.
    const capacityClients = Math.min(queueLengthMax, socketsMax);
    const agent = new Agent({ keepAlive: true, maxSockets: socketsMax });
    for (let first = 0; first < socketsMax; first += 20) {
      await Promise.all(Array.from({ length: 20 }, () => send(agent, url, '/healthz')));
    }
    const capacity = await closedLoop(agent, url, capacitySeconds * 1000, capacityClients);
    const afterWarm = rssMb(service.pid);
    const rate = capacity * factor;
    console.log(
      `capacity ${capacity.toFixed(0)} writes/s (${capacityClients} clients, fsync); offering ${rate.toFixed(0)}/s for ${seconds} s`,
    );

    const health = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers: Answer[] = [];
    let inFlight = 0;
    let inFlightMax = 0;
    let rssMax = afterWarm;
    let queueMax = 0;
    let sent = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, rssMb(service.pid));
    }, 100);
    const queueSampler = setInterval(() => {
      const req = request(
        { host: url.hostname, port: url.port, path: '/healthz', agent: health },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                queueLength?: number;
              };
              queueMax = Math.max(queueMax, body.queueLength ?? 0);
            } catch {
              // A sample lost under load says nothing.
            }
          });
        },
      );
      req.on('error', () => undefined);
      req.end();
    }, 50);
    const pending: Promise<void>[] = [];
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; sent < due; sent += 1) {
        inFlight += 1;
        inFlightMax = Math.max(inFlightMax, inFlight);
        pending.push(
          issue(agent, url, sent).then((answer) => {
            inFlight -= 1;
            answers.push(answer);
          }),
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const offeredSeconds = (performance.now() - started) / 1000;
    await Promise.all(pending);
    clearInterval(sampler);
    clearInterval(queueSampler);
    health.destroy();
    const after = await closedLoop(agent, url, capacitySeconds * 1000, capacityClients);
    agent.destroy();
    const rssEnd = rssMb(service.pid);

    const ok = answers.filter((a) => a.status === 200);
    const full = answers.filter((a) => a.status === 503 && a.reason === 'queue_full');
    const others = answers.filter((a) => a !== undefined && a.status !== 200 && !full.includes(a));
    const withoutRetryAfter = full.filter((a) => !a.retryAfter).length;
    const okMs = ok.map((a) => a.ms).sort((x, y) => x - y);
    const fullMs = full.map((a) => a.ms).sort((x, y) => x - y);
    const figures = {
      capacityPerSecond: Math.round(capacity),
      askedPerSecond: Math.round(rate),
      offeredPerSecond: Math.round(sent / offeredSeconds),
      sent,
      ok: ok.length,
      okPerSecond: Math.round(ok.length / offeredSeconds),
      queueFull: full.length,
      queueFullWithoutRetryAfter: withoutRetryAfter,
      other: others.length,
      otherExamples: [...new Set(others.map((a) => `${a.status} ${a.reason}`))].slice(0, 5),
      okP50Ms: Math.round(quantile(okMs, 0.5)),
      okP99Ms: Math.round(quantile(okMs, 0.99)),
      queueFullP50Ms: Math.round(quantile(fullMs, 0.5)),
      inFlightMax,
      socketsMax,
      queueLengthMax,
      queueLengthSeenMax: queueMax,
      rssBaselineMb: Math.round(baseline),
      rssAfterWarmUpMb: Math.round(afterWarm),
      rssPeakMb: Math.round(rssMax),
      rssEndMb: Math.round(rssEnd),
      capacityAfterPerSecond: Math.round(after),
      loadAverage: (await import('node:os')).loadavg().map((x) => x.toFixed(2)),
    };
    console.log(JSON.stringify(figures, null, 2));
    const valid = others.length === 0 && withoutRetryAfter === 0 && queueMax <= queueLengthMax;
    console.log(
      [
        `VERDICT ${valid ? 'valid' : 'INVALID'}`,
        `offered ${figures.offeredPerSecond}/s (${factor}× capacity ${figures.capacityPerSecond}/s asked ${figures.askedPerSecond}/s)`,
        `${ok.length} ok, ${full.length} 503 queue_full (${withoutRetryAfter} without Retry-After), ${others.length} other`,
        `queue at most ${queueMax} of ${queueLengthMax}`,
        `RSS ${figures.rssAfterWarmUpMb} MB warm, peak ${figures.rssPeakMb} MB`,
        `capacity after ${figures.capacityAfterPerSecond}/s`,
      ].join(' · '),
    );
    process.exitCode = valid ? 0 : 1;
  } finally {
    await service.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
