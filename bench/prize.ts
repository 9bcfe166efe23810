/**
 * Prize raffle benchmark (`npm run bench:prize`).
 *
 * 1. Memory per claimed ticket: a raffle of 10^7 tickets in a fresh state machine, then 10^6
 *    claims applied directly; heap after a full collection, before and after, divided by the
 *    claims. Also the heap a new raffle costs at 10^3 and at 10^7 tickets (mean of 1,000 each).
 * 2. Creation time at 10^3 and 10^7 tickets: the median of many `apply`s of a creation (pure
 *    state machine work), and the median latency of a creation through the queue with fsync.
 * 3. Claims per second through the queue with the journal (write + fdatasync per batch) against
 *    the ledger kind's issue, in alternating rounds of the same run, with a window of requests in
 *    flight so group commit can gather batches. The claims carry what the edge makes (holder
 *    pseudonym, code hash); making them costs the edge a few microseconds, measured apart.
 *
 * Options: `--claims N` (memory run, default 1,000,000), `--ops N` (per throughput round,
 * default 100,000), `--rounds N` (default 3), `--window N` (default 2,000), `--json FILE`
 * (default load/results/prize-bench.json). Run with `--expose-gc` (the npm script does).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { newVerificationCode, PrizeCodes } from '../src/api/prize-codes.js';
import { StateMachine } from '../src/engine/state-machine.js';
import { ledgerKind } from '../src/kinds/ledger/kind.js';
import { prizeKind, type PrizeRaffles } from '../src/kinds/prize/kind.js';
import { createKindRegistry } from '../src/kinds/registry.js';
import { HkdfSecretKeys } from '../src/server/hkdf-secret-keys.js';
import { median } from '../load/runner/common.js';
import { journaledEngine } from './journaled-engine.js';

const { values } = parseArgs({
  options: {
    claims: { type: 'string', default: '1000000' },
    ops: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    window: { type: 'string', default: '2000' },
    json: { type: 'string', default: 'load/results/prize-bench.json' },
  },
});
const memoryClaims = Number(values.claims);
const opsPerRound = Number(values.ops);
const rounds = Number(values.rounds);
const windowSize = Number(values.window);

const limits = { rafflesMax: 100_000, participantsPerRaffleMax: 16_000_000 };
const scratch = mkdtempSync(join(tmpdir(), 'raffle-bench-prize-'));
const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterCollection(): number {
  if (gc === undefined) throw new Error('run with --expose-gc (npm run bench:prize does)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A 22-character base64url text, as the edge's pseudonyms and hashes are. */
const keyedText = () => randomBytes(16).toString('base64url');

let seq = 0;
function applyTo(machine: StateMachine, command: Record<string, unknown>, atMs = 0) {
  seq += 1;
  const outcome = machine.apply({
    seq,
    atMs,
    seed: randomBytes(16),
    command: { kind: 'prize', ...command, type: command.type as string },
  });
  if (!outcome.ok) throw new Error(`${String(command.type)} refused: ${outcome.reason}`);
  return outcome;
}

function memory() {
  seq = 0;
  const machine = new StateMachine(createKindRegistry(), limits);
  // The heap a raffle costs: the mean over a thousand raffles of each size, after a warm-up.
  applyTo(machine, {
    type: 'createRaffle',
    id: 'warm-up',
    name: 'W',
    ticketCount: 10,
    prizes: ['p'],
  });
  const perRaffle = (ticketCount: number): number => {
    const before = heapAfterCollection();
    for (let i = 0; i < 1_000; i += 1) {
      applyTo(machine, { type: 'createRaffle', name: 'R', ticketCount, prizes: ['p'] });
    }
    return Math.round((heapAfterCollection() - before) / 1_000);
  };
  const raffleHeapBytesAt1e3 = perRaffle(1_000);
  const raffleHeapBytesAt1e7 = perRaffle(10_000_000);
  applyTo(machine, {
    type: 'createRaffle',
    id: 'big',
    name: 'B',
    ticketCount: 10_000_000,
    prizes: ['p'],
  });
  const afterBig = heapAfterCollection();
  for (let i = 0; i < memoryClaims; i += 1) {
    applyTo(machine, {
      type: 'claim',
      raffleId: 'big',
      holder: keyedText(),
      codeHash: keyedText(),
    });
  }
  const afterClaims = heapAfterCollection();
  const raffle = machine.stateOf<PrizeRaffles>(prizeKind).byId.get('big');
  machine.checkInvariants();
  return {
    raffleHeapBytesAt1e3,
    raffleHeapBytesAt1e7,
    claims: memoryClaims,
    heapBytesPerClaim: Math.round((afterClaims - afterBig) / memoryClaims),
    shuffleMapEntries: raffle?.shuffleEntries ?? 0,
  };
}

function creation() {
  seq = 0;
  const machine = new StateMachine(createKindRegistry(), limits);
  const result: Record<string, number> = {};
  for (const ticketCount of [1_000, 10_000_000]) {
    const times: number[] = [];
    for (let i = 0; i < 2_001; i += 1) {
      const started = performance.now();
      applyTo(machine, { type: 'createRaffle', name: 'C', ticketCount, prizes: ['a', 'b', 'c'] });
      times.push(performance.now() - started);
    }
    result[`applyMicrosecondsAt${ticketCount === 1_000 ? '1e3' : '1e7'}`] = Number(
      (median(times) * 1000).toFixed(2),
    );
  }
  return result;
}

/** Runs `one(i)` for i in [0, ops) with at most `windowSize` in flight; operations per second. */
async function drive(one: (i: number) => Promise<{ ok: boolean }>): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < opsPerRound) {
      const outcome = await one(next++);
      if (!outcome.ok) throw new Error('refused');
    }
  };
  await Promise.all(Array.from({ length: windowSize }, worker));
  return opsPerRound / ((performance.now() - started) / 1000);
}

async function throughput() {
  const issues: number[] = [];
  const claims: number[] = [];
  const createLatencies: Record<string, number[]> = { '1e3': [], '1e7': [] };
  for (let round = 0; round < rounds; round += 1) {
    const ledgerDir = join(scratch, `ledger-${round}`);
    const ledger = await journaledEngine(ledgerDir, limits);
    issues.push(
      await drive((i) =>
        ledger.engine.submit(ledgerKind.commands.issue, {
          raffleId: 'main',
          username: `user-${i % 100_000}`,
          count: 1,
        }),
      ),
    );
    await ledger.engine.close();
    rmSync(ledgerDir, { recursive: true, force: true });

    const prizeDir = join(scratch, `prize-${round}`);
    const prize = await journaledEngine(prizeDir, limits);
    for (const [label, ticketCount] of [
      ['1e3', 1_000],
      ['1e7', 10_000_000],
    ] as const) {
      for (let i = 0; i < 20; i += 1) {
        const started = performance.now();
        await prize.engine.submit(prizeKind.commands.createRaffle, {
          name: 'C',
          ticketCount,
          prizes: ['a'],
        });
        createLatencies[label]?.push(performance.now() - started);
      }
    }
    await prize.engine.submit(prizeKind.commands.createRaffle, {
      id: 'bench',
      name: 'Bench',
      ticketCount: 10_000_000,
      prizes: ['a'],
    });
    const holders = Array.from({ length: opsPerRound }, keyedText);
    const hashes = Array.from({ length: opsPerRound }, keyedText);
    claims.push(
      await drive((i) =>
        prize.engine.submit(prizeKind.commands.claim, {
          raffleId: 'bench',
          holder: holders[i] as string,
          codeHash: hashes[i] as string,
        }),
      ),
    );
    await prize.engine.close();
    rmSync(prizeDir, { recursive: true, force: true });
    console.log(
      `round ${round + 1}: ledger issue ${Math.round(issues.at(-1) as number)} ops/s, ` +
        `prize claim ${Math.round(claims.at(-1) as number)} ops/s`,
    );
  }
  return {
    opsPerRound,
    window: windowSize,
    issueOpsPerSecond: issues.map(Math.round),
    claimOpsPerSecond: claims.map(Math.round),
    issueMedian: Math.round(median(issues)),
    claimMedian: Math.round(median(claims)),
    ratioClaimToIssue: Number((median(claims) / median(issues)).toFixed(3)),
    createLatencyMsFsyncAt1e3: Number(median(createLatencies['1e3'] ?? []).toFixed(3)),
    createLatencyMsFsyncAt1e7: Number(median(createLatencies['1e7'] ?? []).toFixed(3)),
  };
}

/** What the edge spends on one claim's secrets: code, hash, pseudonym, and a seal when keyed. */
function edgeCost() {
  const codes = new PrizeCodes(HkdfSecretKeys.random());
  const count = 50_000;
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const code = newVerificationCode();
    codes.codeHash('bench', code);
    codes.holderOf('bench', `198.51.100.${i % 250}`);
  }
  const plainUs = ((performance.now() - started) * 1000) / count;
  const sealedStarted = performance.now();
  for (let i = 0; i < count; i += 1) codes.seal(`key-${i}`, 'bench', newVerificationCode());
  const sealUs = ((performance.now() - sealedStarted) * 1000) / count;
  return {
    claimSecretsMicroseconds: Number(plainUs.toFixed(2)),
    sealMicroseconds: Number(sealUs.toFixed(2)),
  };
}

try {
  console.log(`machine: ${process.platform} ${process.arch}, node ${process.version}`);
  const memoryFigures = memory();
  console.table([memoryFigures]);
  const creationFigures = creation();
  console.table([creationFigures]);
  const edgeFigures = edgeCost();
  console.table([edgeFigures]);
  const throughputFigures = await throughput();
  console.table([
    { operation: 'ledger issue (fsync)', 'ops/s (median)': throughputFigures.issueMedian },
    { operation: 'prize claim (fsync)', 'ops/s (median)': throughputFigures.claimMedian },
  ]);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    memory: memoryFigures,
    creation: creationFigures,
    edge: edgeFigures,
    throughput: throughputFigures,
  };
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`figures written to ${values.json}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
