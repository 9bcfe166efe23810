/**
 * The two command-line entry points, run as a user runs them: `npm run check:history` on a
 * hand-written history with a planted stale read (exit 1, the window and the verdict printed),
 * and `npm run soak` for one short round of every kind, and of one kind, against a service already
 * running (seeds and verdict printed, exit 0, the history file readable by the checker, whole or
 * one kind at a time).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLine, parseHistory } from '../../load/history/events.js';
import { repositoryRoot } from '../../load/runner/server-process.js';
import type { RunningServer } from '../../src/server/server.js';
import { HistoryBuilder } from '../support/history-builder.js';
import { startTestServer } from '../support/server.js';

let dir: string;
let running: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'history-scripts-'));
  running = await startTestServer();
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await running?.close();
});

/**
 * Runs a script of load/history under tsx, as the npm scripts do. Asynchronously: the service
 * the soak talks to runs in this process.
 */
function run(script: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repositoryRoot, 'load/history', script), ...args],
      { cwd: repositoryRoot },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('history scripts', () => {
  it('check:history rejects a planted stale read, printing its window and the verdict', async () => {
    const h = new HistoryBuilder();
    const issue = { f: 'issue', input: { username: 'ann', count: 4 } };
    h.op({ client: 0, ...issue, at: [0, 1], ok: { tickets: 4, totalTickets: 4 } });
    h.op({ client: 1, ...issue, at: [2, 3], ok: { tickets: 8, totalTickets: 8 } });
    h.op({
      client: 2,
      f: 'getParticipant',
      input: { username: 'ann' },
      at: [4, 5],
      ok: { tickets: 4 },
    });
    const file = join(dir, 'stale.jsonl');
    writeFileSync(file, `${h.events().map(eventLine).join('\n')}\n`);
    const { code, out } = await run('check.ts', [file]);
    expect(code, out).toBe(1);
    expect(out).toContain('not linearizable, seen through participant ann alone');
    expect(out).toContain('* op 2 client 2');
    expect(out).toMatch(/VERDICT INVALID · 3 operations · 1 anomaly · NOT linearizable/);
  }, 60_000);

  it('soak: one short round of every kind against a running service, seed and verdict printed', async () => {
    const file = join(dir, 'soak.jsonl');
    const { code, out } = await run('soak.ts', [
      '--url',
      running.url,
      '--operations',
      '1200',
      '--clients',
      '16',
      '--seed',
      '314',
      '--out',
      file,
    ]);
    expect(code, out).toBe(0);
    // 400 operations of each kind's clients; prize raffles and campaigns add their creations.
    expect(out).toMatch(/round 0 ledger seed 314: 400 operations/);
    expect(out).toMatch(/round 0 prize seed 314: 404 operations/);
    expect(out).toMatch(/round 0 campaign seed 314: 402 operations/);
    expect(out).toMatch(
      /VERDICT valid · 1206 operations · 0 anomalies · linearizable .* · conserved .* · 1 round of ledger, prize, campaign, seeds 314/,
    );
    const events = parseHistory(readFileSync(file, 'utf8'));
    expect(events.filter((event) => event.type === 'invoke')).toHaveLength(1206);
    const checked = await run('check.ts', [file]);
    expect(checked.code, checked.out).toBe(0);
    expect(checked.out).toMatch(
      /VERDICT valid · 1206 operations · 0 anomalies · linearizable \(\d+ checked, 7 raffles/,
    );
    const prize = await run('check.ts', [file, '--kind', 'prize']);
    expect(prize.code, prize.out).toBe(0);
    expect(prize.out).toMatch(
      /VERDICT valid · 404 operations · 0 anomalies · linearizable \(\d+ checked, 4 raffles/,
    );
  }, 120_000);

  it('soak --kind prize: one kind only; an unknown kind is refused', async () => {
    const { code, out } = await run('soak.ts', [
      '--url',
      running.url,
      '--kind',
      'prize',
      '--operations',
      '300',
      '--clients',
      '16',
      '--seed',
      '315',
    ]);
    expect(code, out).toBe(0);
    expect(out).not.toMatch(/round 0 (ledger|campaign)/);
    expect(out).toMatch(/VERDICT valid · 304 operations .* 1 round of prize, seeds 315/);
    const refused = await run('soak.ts', ['--url', running.url, '--kind', 'lottery']);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('unknown --kind lottery');
  }, 120_000);
});
