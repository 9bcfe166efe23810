/**
 * The load runner's mixed scenario, briefly and with few connections, against a service it starts
 * from the sources: behaviour only (every operation answered, accounting exact, invariants
 * checked and passed), never speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMixed } from '../../load/runner/mixed.js';
import { overheadFailures, runOverhead } from '../../load/runner/overhead.js';
import { formatBaseline } from '../../load/runner/report.js';
import {
  bareServerEntry,
  startServerProcess,
  type ServerProcess,
} from '../../load/runner/server-process.js';
import { operationMix } from '../../load/k6/workload.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({ fromSource: true });
});
afterAll(async () => {
  await server?.stop();
});

describe('load runner', () => {
  it.each(['rest', 'trpc'] as const)(
    'mixed over %s: every operation answered, invariants checked and passed',
    async (surface) => {
      const report = await runMixed({ baseUrl: server.url, surface, durationS: 2, connections: 8 });
      expect(report.operations.map((op) => op.operation).sort()).toEqual(
        Object.keys(operationMix).sort(),
      );
      for (const op of report.operations) {
        expect(op.answered, op.operation).toBeGreaterThan(0);
        expect(op.serverErrors, op.operation).toEqual({});
        expect(op.unexpected, op.operation).toEqual({});
      }
      expect(report.operations.find((op) => op.operation === 'issue')?.ok).toBeGreaterThan(0);
      expect(report.accounting.exact).toBe(true);
      expect(report.accounting.ticketsIssued).toBeGreaterThan(0);
      expect(report.invariants?.ok, report.invariants?.problems.join('\n')).toBe(true);
      expect(report.invariants?.compared).toEqual(['totalTickets', 'drawCount']);
      expect(report.invariants?.figures?.totalTickets).toBe(
        report.accounting.ticketsIssued - report.accounting.drawsSucceeded,
      );
      expect(report.failures).toEqual([]);
    },
  );

  it('mixed held to a rate: paced requests, every one answered, accounting exact', async () => {
    const report = await runMixed({
      baseUrl: server.url,
      surface: 'rest',
      durationS: 1,
      connections: 8,
      ratePerS: 200,
    });
    expect(report.ratePerS).toBe(200);
    // Open loop: each operation sends its share of the rate for the whole second, answered or not.
    const sent = report.operations.reduce((sum, op) => sum + op.sent, 0);
    expect(sent).toBeGreaterThanOrEqual(200 - report.operations.length);
    expect(sent).toBeLessThanOrEqual(200 + report.operations.length * 2);
    for (const op of report.operations) {
      expect(op.unanswered, op.operation).toBe(0);
      expect(op.serverErrors, op.operation).toEqual({});
    }
    expect(report.accounting.exact).toBe(true);
    expect(report.invariants?.ok, report.invariants?.problems.join('\n')).toBe(true);
    expect(report.failures).toEqual([]);
  });

  it('mixed against the bare server: the same pacing, no raffle and nothing to check, only 200s pass', async () => {
    const bare = await startServerProcess({ entry: bareServerEntry });
    const options = {
      surface: 'rest' as const,
      durationS: 1,
      connections: 8,
      ratePerS: 200,
      bare: true,
    };
    try {
      const report = await runMixed({ ...options, baseUrl: bare.url });
      expect(report.target).toBe('bare node:http');
      expect(report.invariants).toBeUndefined();
      expect(report.accounting.ticketsIssued).toBe(0);
      const sent = report.operations.reduce((sum, op) => sum + op.sent, 0);
      expect(sent).toBeGreaterThanOrEqual(200 - report.operations.length);
      for (const op of report.operations) {
        expect(op.ok, op.operation).toBe(op.answered);
        expect(op.unanswered, op.operation).toBe(0);
      }
      expect(report.failures).toEqual([]);
      const table = formatBaseline(report, { sameRate: report });
      expect(table).toContain("× the bare server's: 1.00 at the same rate");
    } finally {
      await bare.stop();
    }
    // Pointed at the service, the mode counts its answers (404: no raffle was made) as
    // unexpected: only a 200 passes.
    const strict = await runMixed({ ...options, baseUrl: server.url });
    expect(strict.operations.find((op) => op.operation === 'issue')?.ok).toBe(0);
    expect(strict.failures.some((failure) => failure.startsWith('issue: '))).toBe(true);
  });

  it('overhead: every target answered, the issues raffle holds exactly the acknowledged tickets', async () => {
    const report = await runOverhead({
      url: server.url,
      rounds: 1,
      roundDurationS: 0.5,
      warmupS: 0,
      connections: 4,
    });
    for (const [name, target] of Object.entries(report.targets)) {
      expect(target.medianRequestsPerS, name).toBeGreaterThan(0);
      expect(target.unexpected, name).toBe(0);
    }
    // The bare server is started here, so its CPU is known; the given service's pid is not.
    expect(report.targets['bare-node-http'].medianCpuUsPerRequest).toBeGreaterThan(0);
    const { ledger } = report;
    expect(ledger.acknowledgedIssues).toBeGreaterThan(0);
    expect(ledger.issueRaffle.compared).toContain('totalTickets');
    expect(ledger.issueRaffle.figures?.totalTickets).toBe(ledger.issuedTickets);
    expect(ledger.transferRaffle.figures?.totalTickets).toBe(ledger.seededTickets);
    expect(overheadFailures(report)).toEqual([]);
  });
});
