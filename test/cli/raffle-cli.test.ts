/**
 * The `raffle` command against a running service, as an operator runs it (a child process):
 * an import of 10^5 generated rows whose totals match the file, an export that reads back the
 * same holdings, draw and show; an import killed part-way and rerun (with the last acknowledged
 * chunks also forgotten, as if the crash fell between the service applying them and the state
 * file recording them) that issues every row exactly once; and bad files, bad command lines,
 * unknown raffles and an unreachable service, each with its documented exit code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { main } from '../../src/cli/raffle.js';
import { request, startTestServer } from '../support/server.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cliEntry = join(import.meta.dirname, '../../src/cli/raffle.ts');

function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RAFFLE_URL: '', RAFFLE_TOKEN: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

const cli = (args: string[]) => startCli(args).done;

/** The command run in this process (no child): for answers that need no real exit. */
async function cliHere(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) } as unknown as NodeJS.WritableStream,
    stderr: { write: (text: string) => (stderr += text) } as unknown as NodeJS.WritableStream,
    env: {},
  });
  return { code, stdout, stderr };
}

/** A CSV of `rows` rows over `people` names (so names repeat), with counts 1 to 5. */
function ticketsCsv(rows: number, people: number) {
  const expected = new Map<string, number>();
  const lines = ['username,count'];
  for (let i = 0; i < rows; i += 1) {
    // A comma and a quote in some names exercise the CSV quoting on the way in and out.
    const name = i % 97 === 0 ? `"o'brien, no ${i % people}"` : `user${i % people}`;
    const username = name.startsWith('"') ? name.slice(1, -1) : name;
    const count = 1 + (i % 5);
    expected.set(username, (expected.get(username) ?? 0) + count);
    lines.push(`${name},${count}`);
  }
  const total = [...expected.values()].reduce((sum, n) => sum + n, 0);
  return { text: `${lines.join('\n')}\n`, expected, total };
}

// The two imports spawn the command and move 10^5 and 1.2 x 10^4 rows: seconds on an idle
// machine, but more than the default 30 s on a loaded one, hence their own time limits.
describe('raffle CLI', () => {
  let server: RunningServer;
  let dir: string;
  let url: string[];
  const figures = async (raffleId: string) =>
    (await request(server.url, 'GET', `/api/raffles/${raffleId}`)).body;

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'raffle-cli-'));
    url = ['--url', server.url];
  });
  afterAll(async () => {
    await server?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('imports 10^5 rows with progress, and the totals, export, draw and show agree', async () => {
    const file = join(dir, 'tickets.csv');
    const { text, expected, total } = ticketsCsv(100_000, 30_000);
    writeFileSync(file, text);
    const run = await cli(['import', file, '--raffle', 'big', '--create', '--progress', ...url]);
    expect(run.stderr).toMatch(/100% 100,000\/100,000 rows [0-9,]+ rows\/s ETA/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('100000 applied, 0 refused');
    const raffle = await figures('big');
    expect(raffle.totalTickets).toBe(total);
    expect(raffle.participantCount).toBe(expected.size);

    const exported = await cli(['export', '--raffle', 'big', ...url]);
    expect(exported.code).toBe(0);
    const holdings = new Map<string, number>();
    for (const line of exported.stdout.trimEnd().split('\n').slice(1)) {
      const match = /^(?:"((?:[^"]|"")*)"|([^,]*)),([0-9]+)$/.exec(line);
      expect(match, line).not.toBeNull();
      const name = match?.[1]?.replace(/""/g, '"') ?? match?.[2] ?? '';
      holdings.set(name, Number(match?.[3]));
    }
    expect(holdings).toEqual(expected);

    const drawn = await cli(['draw', '--raffle', 'big', '--count', '2', ...url]);
    expect(drawn.code).toBe(0);
    expect(drawn.stdout.match(/^draw [12]: /gm)).toHaveLength(2);
    const shown = await cli(['show', '--raffle', 'big', '--json', ...url]);
    expect(JSON.parse(shown.stdout)).toEqual(await figures('big'));
    expect((await figures('big')).totalTickets).toBe(total - 2);
  }, 120_000);

  it('resumes an interrupted import without issuing any row twice', async () => {
    const file = join(dir, 'resume.csv');
    const { text, expected, total } = ticketsCsv(12_000, 12_000);
    writeFileSync(file, text);
    const args = ['import', file, '--raffle', 'resume', '--create', '--batch', '100'];
    const first = startCli([...args, '--concurrency', '1', ...url]);
    const state = `${file}.import-state`;
    const acknowledged = () => {
      try {
        return readFileSync(state, 'utf8').trim().split('\n').length - 1;
      } catch {
        return 0;
      }
    };
    while (acknowledged() < 20) await new Promise((resolve) => setTimeout(resolve, 20));
    first.child.kill('SIGKILL');
    await first.done;
    const partial = await figures('resume');
    expect(partial.totalTickets).toBeLessThan(total);
    // Forget the last three acknowledged chunks: the service holds them, the state file not.
    const lines = readFileSync(state, 'utf8').trimEnd().split('\n');
    writeFileSync(state, `${lines.slice(0, -3).join('\n')}\n`);

    const second = await cli([...args, ...url]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already done by an earlier run/);
    const raffle = await figures('resume');
    expect(raffle.totalTickets).toBe(total);
    expect(raffle.participantCount).toBe(expected.size);

    // A finished import run again changes nothing.
    const third = await cli([...args, ...url]);
    expect(third.code).toBe(0);
    expect((await figures('resume')).totalTickets).toBe(total);
  }, 120_000);

  it('refuses a bad file whole, naming the line, and sends nothing', async () => {
    const badCount = join(dir, 'bad-count.csv');
    writeFileSync(badCount, 'username,count\nada,1\nbob,2\ncy,two\ndee,1\n');
    const run = await cliHere(['import', badCount, '--raffle', 'strict', '--create', ...url]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`${badCount}:4: the count 'two' is not a whole number`);
    expect((await request(server.url, 'GET', '/api/raffles/strict')).status).toBe(404);

    const badQuote = join(dir, 'bad-quote.csv');
    writeFileSync(badQuote, 'username\nada\n"bob\n');
    const quoted = await cliHere(['import', badQuote, '--raffle', 'strict', ...url]);
    expect(quoted.code).toBe(3);
    expect(quoted.stderr).toContain(`${badQuote}:4: a quoted field is not closed`);

    const noHeader = join(dir, 'no-header.csv');
    writeFileSync(noHeader, 'ada,1\n');
    const headerless = await cliHere(['import', noHeader, '--raffle', 'strict', ...url]);
    expect(headerless.code).toBe(3);
    expect(headerless.stderr).toContain(`${noHeader}:1: the header must name a 'username' column`);
  });

  it('answers bad command lines, unknown raffles and an absent service with their exit codes', async () => {
    const usage = await cliHere(['show', '--rafle', 'x', ...url]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("Unknown option '--rafle'");
    expect((await cliHere(['launch'])).code).toBe(2);
    const help = await cliHere(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: raffle import FILE --raffle ID');
    const missing = await cliHere(['show', '--raffle', 'nope', ...url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('raffle nope does not exist');
    const absent = await cliHere([
      'show',
      '--raffle',
      'x',
      '--url',
      'http://127.0.0.1:9',
      '--retries',
      '0',
    ]);
    expect(absent.code).toBe(4);
    expect(absent.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});
