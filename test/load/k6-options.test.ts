/**
 * The pure parts of the k6 scripts under Node: `-e` variables checked with messages naming them
 * (k6 itself is not installable here), the scenarios they build (the spike shortened by
 * `DURATION`), and the teardown's walk of the listing over several pages.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  buildOptions,
  millisecondsFromEnv,
  secondsFromEnv,
  spikeStages,
  vusFromEnv,
} from '../../load/k6/options.js';

vi.mock('k6', () => ({ check: () => true }));
vi.mock('k6/http', () => ({ default: { expectedStatuses: () => undefined } }));
vi.mock('k6/metrics', () => ({
  Counter: class {
    add() {}
  },
  Rate: class {
    add() {}
  },
}));

const totalSeconds = (stages: { duration: string }[] = []) =>
  stages.reduce((sum, stage) => sum + Number.parseInt(stage.duration, 10), 0);

describe('k6 options: -e variables', () => {
  it('VUS and SPIKE_VUS: whole numbers from 1, refused otherwise with the variable named', () => {
    expect(vusFromEnv('VUS', undefined, 50)).toBe(50);
    expect(vusFromEnv('VUS', '', 50)).toBe(50);
    expect(vusFromEnv('VUS', '7', 50)).toBe(7);
    for (const bad of ['0', '2.5', '-3', 'ten', '1e3', ' 5', '100001']) {
      expect(() => vusFromEnv('VUS', bad, 50), bad).toThrow(`VUS must be a whole number`);
    }
    expect(() => buildOptions('rest', { VUS: '0' })).toThrow(/VUS .*"0"/);
    expect(() => buildOptions('rest', { SCENARIO: 'spike', VUS: '2.5' })).toThrow(/VUS .*"2\.5"/);
    expect(() => buildOptions('rest', { SCENARIO: 'spike', VUS: '20', SPIKE_VUS: '5' })).toThrow(
      /SPIKE_VUS/,
    );
  });

  it('DURATION: k6 durations of at least a second; latency limits positive', () => {
    expect(secondsFromEnv('DURATION', '90s', 1)).toBe(90);
    expect(secondsFromEnv('DURATION', '1m30s', 1)).toBe(90);
    expect(secondsFromEnv('DURATION', '2h', 1)).toBe(7200);
    expect(secondsFromEnv('DURATION', '1500ms', 1)).toBe(2);
    for (const bad of ['0s', '10', 'm', '5 m', '1m 30s', 'soon', '500ms']) {
      expect(() => secondsFromEnv('DURATION', bad, 1), bad).toThrow(
        /DURATION must be a k6 duration/,
      );
    }
    expect(millisecondsFromEnv('P95_MS', '120', 1)).toBe(120);
    for (const bad of ['0', '-1', 'fast']) {
      expect(() => millisecondsFromEnv('P95_MS', bad, 1), bad).toThrow(/P95_MS/);
    }
    expect(() => buildOptions('rest', { SCENARIO: 'burst' })).toThrow(/SCENARIO must be one of/);
  });

  it('each scenario takes VUS and DURATION; the spike keeps its shape at any length', () => {
    const mixed = buildOptions('rest', { VUS: '3', DURATION: '2m' });
    expect(mixed.scenarios).toEqual({
      mixed: expect.objectContaining({ executor: 'constant-vus', vus: 3, duration: '120s' }),
    });
    const soak = buildOptions('trpc', { SCENARIO: 'soak' }).scenarios.soak;
    expect(soak).toMatchObject({ vus: 20, duration: '1800s' });
    const spike = buildOptions('rest', { SCENARIO: 'spike' }).scenarios.spike;
    expect(totalSeconds(spike?.stages)).toBe(100);
    const short = buildOptions('rest', {
      SCENARIO: 'spike',
      DURATION: '20s',
      VUS: '2',
      SPIKE_VUS: '9',
    }).scenarios.spike;
    expect(totalSeconds(short?.stages)).toBe(20);
    expect(short?.stages?.map((s) => s.target)).toEqual([2, 9, 9, 2, 2]);
    expect(short?.startVUs).toBe(2);
    // Even the shortest spike keeps five stages of at least a second each.
    expect(spikeStages(1, 1, 2).map((s) => s.duration)).toEqual(['1s', '1s', '1s', '1s', '1s']);
    expect(
      buildOptions('rest', { P95_MS: '40', P99_MS: '90' }).thresholds[
        'http_req_duration{phase:load}'
      ],
    ).toEqual(['p(95)<40', 'p(99)<90']);
  });
});

describe('k6 teardown: the invariant walk pages', () => {
  it('follows nextCursor over every page and adds up what it saw', async () => {
    (globalThis as Record<string, unknown>).__ENV = { BASE_URL: 'http://127.0.0.1:9' };
    // A path in a variable: lib.js has no declarations (it is checked with k6's own types).
    const libPath = '../../load/k6/lib.js';
    const lib = (await import(libPath)) as {
      checkPageLimit: number;
      findInvariantProblems(
        client: { surface: string; call(op: string, input: Record<string, any>): unknown },
        raffleId: string,
      ): { problems: string[]; participants: number; tickets: number; pages: number };
    };
    const people = Array.from({ length: 2 * lib.checkPageLimit + 7 }, (_, i) => ({
      username: `u${i}`,
      tickets: (i % 5) + 1,
    }));
    const asked: (string | undefined)[] = [];
    const client = {
      surface: 'rest',
      call(op: string, input: Record<string, any>) {
        if (op === 'getRaffle') {
          const totalTickets = people.reduce((sum, p) => sum + p.tickets, 0);
          return {
            status: 200,
            reason: null,
            value: { id: 'r', totalTickets, participantCount: people.length },
          };
        }
        asked.push(input.cursor);
        expect(input.limit).toBe(lib.checkPageLimit);
        const start = input.cursor === undefined ? 0 : Number(String(input.cursor).slice(1));
        const end = Math.min(people.length, start + input.limit);
        return {
          status: 200,
          reason: null,
          value: {
            participants: people.slice(start, end),
            nextCursor: end < people.length ? `c${end}` : null,
          },
        };
      },
    };
    const report = lib.findInvariantProblems(client, 'r');
    expect(report.problems).toEqual([]);
    expect(report.pages).toBe(3);
    expect(report.participants).toBe(people.length);
    expect(asked).toEqual([undefined, `c${lib.checkPageLimit}`, `c${2 * lib.checkPageLimit}`]);
    // With the workload's pool of 1,000, the walk needs several pages too.
    expect(lib.checkPageLimit).toBeLessThan(1000);
  });
});
