/**
 * `npm run bench:import [-- --rows N]`: the `raffle import` of a generated CSV of 10^6 rows (by
 * default) into a real service process with its journal (DURABILITY=fsync), progress shown; then
 * checks that the raffle's totals are the file's and times an export of every participant.
 * Prints rows per second for both. Runs from dist/ (the script builds it first).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rowsArg = process.argv.indexOf('--rows');
const rows = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 1_000_000;
const people = Math.ceil(rows * 0.3);
const port = 20_000 + Math.floor(Math.random() * 20_000);
const url = `http://127.0.0.1:${port}`;
const dir = mkdtempSync(join(tmpdir(), 'raffle-import-bench-'));
const file = join(dir, 'tickets.csv');

async function writeCsv(): Promise<{ total: number }> {
  const out = createWriteStream(file);
  let total = 0;
  const write = (text: string) =>
    out.write(text)
      ? Promise.resolve()
      : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write('username,count\n');
  let batch = '';
  for (let i = 0; i < rows; i += 1) {
    const count = 1 + (i % 5);
    total += count;
    batch += `user${i % people},${count}\n`;
    if (batch.length > 65_536) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  await new Promise((resolve) => out.end(resolve));
  return { total };
}

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
}

async function waitForService(): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not start');
}

async function timed(
  args: string[],
): Promise<{ seconds: number; stdout: string; code: number | null }> {
  const started = process.hrtime.bigint();
  const child = run(['dist/cli/raffle.js', ...args, '--url', url]);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, stdout, code };
}

const { total } = await writeCsv();
console.log(
  `${rows} rows (${people} people, ${total} tickets), ${(statSync(file).size / 1e6).toFixed(1)} MB`,
);
const service = run(['dist/server/main.js'], {
  PORT: String(port),
  DATA_DIR: join(dir, 'data'),
  DURABILITY: 'fsync',
  LOG_LEVEL: 'warn',
});
try {
  await waitForService();
  const imported = await timed(['import', file, '--raffle', 'bench', '--create', '--progress']);
  if (imported.code !== 0) throw new Error(`import exited ${imported.code}`);
  const raffle = (await (await fetch(`${url}/api/raffles/bench`)).json()) as {
    totalTickets: number;
    participantCount: number;
  };
  const match = raffle.totalTickets === total && raffle.participantCount === Math.min(rows, people);
  console.log(imported.stdout.trim());
  console.log(
    `import: ${imported.seconds.toFixed(1)} s, ${Math.round(rows / imported.seconds)} rows/s; totals ${match ? 'match' : 'DO NOT match'} (${raffle.totalTickets} tickets, ${raffle.participantCount} participants)`,
  );
  const exported = await timed(['export', '--raffle', 'bench', '--output', join(dir, 'out.csv')]);
  console.log(
    `export: ${exported.seconds.toFixed(1)} s, ${Math.round(raffle.participantCount / exported.seconds)} participants/s`,
  );
  if (!match) process.exitCode = 1;
} finally {
  service.kill('SIGTERM');
  await new Promise((resolve) => service.on('close', resolve));
  rmSync(dir, { recursive: true, force: true });
}
