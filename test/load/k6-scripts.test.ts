/**
 * The k6 scripts, without k6 (which this project cannot install): cheap static checks that they
 * stay runnable on older k6 releases and keep their thresholds and final invariant check, then a
 * run of both scripts under Node against a real service, with the k6 modules replaced by small
 * stand-ins (`k6/http` answers synchronously, as in k6, through a worker thread).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../load/runner/server-process.js';

const k6Dir = new URL('../../load/k6/', import.meta.url);
const scripts = readdirSync(k6Dir).filter((name) => name.endsWith('.js'));
const source = (name: string) => readFileSync(new URL(name, k6Dir), 'utf8');

/** The code of a script with comments removed and string contents blanked. */
function codeOnly(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      i += 1;
      while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
      i += 1;
      out += `${c}${c}`;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

describe('k6 scripts: static checks', () => {
  it('k6: the scripts are there', () => {
    expect(scripts.sort()).toEqual(['lib.js', 'options.js', 'rest.js', 'trpc.js', 'workload.js']);
  });

  it.each(scripts)('k6: %s uses no optional chaining, nullish coalescing or classes', (name) => {
    const code = codeOnly(source(name));
    expect(code).not.toContain('?.');
    expect(code).not.toContain('??');
    expect(code).not.toMatch(/\bclass\s/);
  });

  it('k6: the shared options define thresholds on errors, checks, latency and invariants', () => {
    const code = codeOnly(source('options.js'));
    expect(code).toMatch(/thresholds:\s*{/);
    for (const metric of [
      'http_req_failed',
      'checks',
      'unexpected_outcomes',
      'invariant_violations',
    ]) {
      expect(code).toContain(`${metric}:`);
    }
    expect(source('options.js')).toContain("'p(95)<'");
    expect(source('options.js')).toContain("'p(99)<'");
  });

  it.each(['rest.js', 'trpc.js'])(
    'k6: %s takes the shared options, a fresh raffle and a teardown invariant check',
    (name) => {
      const code = codeOnly(source(name));
      expect(code).toMatch(/export const options = buildOptions\(/);
      expect(code).toMatch(/export function setup\(\) {\s*return setupRaffle\(/);
      expect(code).toMatch(/export function teardown\(data\) {\s*checkInvariants\(/);
    },
  );
});

// --- Stand-ins for the k6 modules -------------------------------------------------------------

interface Recorded {
  checks: Record<string, { passes: number; fails: number }>;
  metrics: Record<string, number[]>;
  requests: { op: string; status: number; failed: boolean }[];
}
const recorded = vi.hoisted((): Recorded => ({ checks: {}, metrics: {}, requests: [] }));
const transport = vi.hoisted(() => ({
  send: (_method: string, _url: string, _body: string | null): { status: number; body: string } => {
    throw new Error('no transport');
  },
}));

vi.mock('k6', () => ({
  check: (value: unknown, sets: Record<string, (v: unknown) => boolean>) => {
    let all = true;
    for (const [name, test] of Object.entries(sets)) {
      const passed = test(value);
      const entry = (recorded.checks[name] ??= { passes: 0, fails: 0 });
      if (passed) entry.passes += 1;
      else entry.fails += 1;
      all &&= passed;
    }
    return all;
  },
}));

vi.mock('k6/metrics', () => {
  const metric = (name: string) => ({
    add: (value: number | boolean) => (recorded.metrics[name] ??= []).push(Number(value)),
  });
  return {
    Counter: function Counter(this: unknown, name: string) {
      return metric(name);
    },
    Rate: function Rate(this: unknown, name: string) {
      return metric(name);
    },
  };
});

vi.mock('k6/http', () => {
  type Params = { tags: { op: string }; responseCallback: { statuses: number[] } };
  const request = (method: string, url: string, body: string | null, params: Params) => {
    const answer = transport.send(method, url, body);
    recorded.requests.push({
      op: params.tags.op,
      status: answer.status,
      failed: !params.responseCallback.statuses.includes(answer.status),
    });
    return {
      status: answer.status,
      body: answer.body,
      json: () => JSON.parse(answer.body) as unknown,
    };
  };
  return {
    default: {
      get: (url: string, params: Params) => request('GET', url, null, params),
      post: (url: string, body: string, params: Params) => request('POST', url, body, params),
      expectedStatuses: (...statuses: number[]) => ({ statuses }),
    },
  };
});

/** Synchronous HTTP, as k6 offers it: a worker does the fetch while this thread waits. */
function syncTransport(worker: Worker) {
  return (method: string, url: string, body: string | null) => {
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ signal, port: port2, method, url, body }, [port2]);
    Atomics.wait(signal, 0, 0, 30_000);
    const message = receiveMessageOnPort(port1);
    port1.close();
    if (message === undefined) throw new Error(`no answer from ${method} ${url}`);
    return message.message as { status: number; body: string };
  };
}

const workerSource = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ signal, port, method, url, body }) => {
  let answer;
  try {
    const response = await fetch(url, { method, body, headers: { 'content-type': 'application/json' } });
    answer = { status: response.status, body: await response.text() };
  } catch (error) {
    answer = { status: 0, body: String(error) };
  }
  port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});`;

describe('k6 scripts: a run under Node against the service', () => {
  let server: ServerProcess;
  let worker: Worker;

  beforeAll(async () => {
    server = await startServerProcess({ fromSource: true });
    worker = new Worker(workerSource, { eval: true });
    transport.send = syncTransport(worker);
    (globalThis as Record<string, unknown>).__ENV = { BASE_URL: server.url, SCENARIO: 'mixed' };
    // The teardown's summary line.
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    await worker?.terminate();
    await server?.stop();
  });

  it.each(['rest', 'trpc'])(
    'k6: %s.js sets up, runs the mix and passes its teardown',
    async (name) => {
      recorded.checks = {};
      recorded.metrics = {};
      recorded.requests = [];
      const script = (await import(`../../load/k6/${name}.js`)) as {
        options: { scenarios: Record<string, unknown>; thresholds: Record<string, string[]> };
        setup(): { raffleId: string };
        default(data: { raffleId: string }): void;
        teardown(data: { raffleId: string }): void;
      };
      expect(Object.keys(script.options.scenarios)).toEqual(['mixed']);
      expect(script.options.thresholds['http_req_duration{phase:load}']).toEqual([
        'p(95)<100',
        'p(99)<250',
      ]);
      const data = script.setup();
      for (let i = 0; i < 300; i += 1) script.default(data);
      script.teardown(data);

      const failedChecks = Object.entries(recorded.checks).filter(([, c]) => c.fails > 0);
      expect(failedChecks).toEqual([]);
      expect(recorded.checks['invariants: listing agrees with the raffle figures']).toEqual({
        passes: 1,
        fails: 0,
      });
      expect(recorded.requests.filter((r) => r.failed)).toEqual([]);
      expect(recorded.metrics.unexpected_outcomes?.every((v) => v === 0)).toBe(true);
      expect(recorded.metrics.invariant_violations).toEqual([0]);
      const ops = new Set(recorded.requests.map((r) => r.op));
      for (const op of ['createRaffle', 'issue', 'transfer', 'getRaffle', 'listParticipants']) {
        expect(ops, op).toContain(op);
      }
    },
  );

  it('k6: the teardown check reports an inconsistent listing', async () => {
    const libPath = '../../load/k6/lib.js';
    const lib = (await import(libPath)) as {
      findInvariantProblems(
        client: { surface: string; call(op: string, input: Record<string, unknown>): unknown },
        raffleId: string,
      ): { problems: string[] };
    };
    const client = {
      surface: 'rest',
      call: (op: string) =>
        op === 'getRaffle'
          ? { status: 200, reason: null, value: { id: 'r', totalTickets: 5, participantCount: 2 } }
          : {
              status: 200,
              reason: null,
              value: {
                participants: [
                  { username: 'a', tickets: 3 },
                  { username: 'a', tickets: 0 },
                ],
                nextCursor: null,
              },
            },
    };
    expect(lib.findInvariantProblems(client, 'r').problems).toEqual([
      'listing: a appears twice',
      'listing: a holds 0 tickets',
      'listed tickets sum to 3, totalTickets is 5',
    ]);
  });
});
