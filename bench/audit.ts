/**
 * `npm run bench:audit`: how long an audit export of a large log takes to write and to verify.
 *
 * An engine with the ledger kind and a committed seed chain journals `--commands` commands
 * (issues to 100,000 participants, a draw every hundredth command, through the real queue and
 * journal with fsync); then the export is written to a file and the offline verifier checks it.
 * The baseline, measured in the same run, is a plain recovery (replay) of the same journal: an
 * export and a verification each replay the log once, so their ratio to it says what the hash
 * chain, the seed checks and the NDJSON cost on top. Results go to load/results/audit-bench.json.
 */
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { exportLines, journalCommands } from '../src/audit/export.js';
import { verifyLines } from '../src/audit/verify.js';
import { Journal } from '../src/journal/journal.js';
import { ledgerKind } from '../src/kinds/ledger/kind.js';
import { createKindRegistry } from '../src/kinds/registry.js';
import { startRaffleEngine } from '../src/kinds/start-engine.js';
import { HkdfSecretKeys } from '../src/server/hkdf-secret-keys.js';
import { seedSourceFor } from '../src/server/seed-chains.js';

const { values } = parseArgs({ options: { commands: { type: 'string', default: '1000000' } } });
const total = Number(values.commands);
const limits = { rafflesMax: 10, participantsPerRaffleMax: 16_000_000 };
const registry = createKindRegistry();
const dir = mkdtempSync(join(tmpdir(), 'raffle-bench-audit-'));
const open = () =>
  Journal.open({
    dataDir: dir,
    snapshotEveryCommands: 1_000_000_000,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: limits,
    registry,
  });

const journal = await open();
const engine = await startRaffleEngine({
  ...limits,
  defaultRaffleId: 'main',
  defaultRaffleName: 'Main',
  queueLengthMax: 1_000_000,
  batchSizeMax: 10_000,
  log: journal,
  stateMachine: journal.stateMachine,
  seeds: seedSourceFor(HkdfSecretKeys.random(), undefined),
});
let started = performance.now();
for (let done = 0; done < total;) {
  const wave: Promise<unknown>[] = [];
  for (let i = 0; i < 10_000 && done < total; i += 1, done += 1) {
    wave.push(
      done % 100 === 99
        ? engine.submit(ledgerKind.commands.draw, { raffleId: 'main' })
        : engine.submit(ledgerKind.commands.issue, {
            raffleId: 'main',
            username: `user-${done % 100_000}`,
            count: 1 + (done % 5),
          }),
    );
  }
  await Promise.all(wave);
}
const writeMs = performance.now() - started;
const digest = engine.stateMachine.digest();
await journal.abandon();

started = performance.now();
const replayed = await open();
const replayMs = performance.now() - started;
if (replayed.stateMachine.digest() !== digest)
  throw new Error('the replay does not reach the digest');
await replayed.abandon();

const exportPath = join(dir, 'export.ndjson');
started = performance.now();
const out = createWriteStream(exportPath);
for (const line of exportLines(journalCommands(dir), registry, limits)) {
  if (!out.write(`${line}\n`))
    await new Promise<void>((resolve) => out.once('drain', () => resolve()));
}
await new Promise<void>((resolve) => out.end(resolve));
const exportMs = performance.now() - started;

started = performance.now();
const report = verifyLines(readFileSync(exportPath, 'utf8').split('\n'), registry, limits);
const verifyMs = performance.now() - started;
if (!report.ok) throw new Error(`verification failed: ${report.reason}`);
if (report.digest !== digest) throw new Error('the verifier does not reach the live digest');

const result = {
  commands: report.records,
  draws: report.draws,
  exportBytes: statSync(exportPath).size,
  writeMs: Math.round(writeMs),
  replayMs: Math.round(replayMs),
  exportMs: Math.round(exportMs),
  verifyMs: Math.round(verifyMs),
  exportToReplay: Number((exportMs / replayMs).toFixed(2)),
  verifyToReplay: Number((verifyMs / replayMs).toFixed(2)),
};
console.log(result);
const path = join(import.meta.dirname, '../load/results/audit-bench.json');
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true });
