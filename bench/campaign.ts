/**
 * Campaign benchmark (`npm run bench:campaign`): instant-win draws through the command queue with
 * the journal on (one write and one fdatasync per batch), and memory per phone.
 *
 * 1. Throughput, same run, same engine settings: 10^6 draws by 10^6 distinct phones into one
 *    campaign with `DURABILITY=fsync` (the journal), a window of concurrent draws in flight so
 *    group commit can gather batches; reported per tenth so a slowdown as the phone map grows
 *    shows. Baseline: ledger issues through the same queue and journal, same window.
 * 2. Memory per phone, in a child started with --expose-gc: heap and array buffers after a full
 *    collection, before and after 10^6 phones draw once (state machine only, no journal); then
 *    10^4 phones drawing every day for a year, against the same phones after one day — the
 *    growth a year adds per phone (bounded by `campaignDrawsKeptPerPhone` kept draws).
 *
 * Options: `--phones N` (default 1,000,000), `--baseline N` (ledger issues, default 200,000),
 * `--window N` (default 2,000), `--json FILE` (default load/results/campaign-bench.json).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { campaignDrawsKeptPerPhone } from '../src/config/limits.js';
import { StateMachine } from '../src/engine/state-machine.js';
import { campaignKind, type Campaigns } from '../src/kinds/campaign/kind.js';
import { ledgerKind } from '../src/kinds/ledger/kind.js';
import { createKindRegistry } from '../src/kinds/registry.js';
import { journaledEngine } from './journaled-engine.js';

const here = fileURLToPath(import.meta.url);
const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    phones: { type: 'string', default: '1000000' },
    baseline: { type: 'string', default: '200000' },
    window: { type: 'string', default: '2000' },
    json: { type: 'string', default: 'load/results/campaign-bench.json' },
  },
});
const phoneCount = Number(values.phones);
const baselineOps = Number(values.baseline);
const windowSize = Number(values.window);

const limits = { rafflesMax: 10, participantsPerRaffleMax: 16_000_000 };
const dayMs = 86_400_000;
const prizes = [
  {
    id: 'five',
    name: '$5 cash coupon',
    probability: 0.05,
    quotaTotal: 1_000_000,
    quotaDaily: 1_000_000,
  },
  {
    id: 'two',
    name: '$2 cash coupon',
    probability: 0.03,
    quotaTotal: 1_000_000,
    quotaDaily: 1_000_000,
  },
  {
    id: 'b1g1',
    name: 'Buy 1 get 1 free',
    probability: 0.01,
    quotaTotal: 1_000_000,
    quotaDaily: 1_000_000,
  },
];
const campaignFields = {
  id: 'bench',
  name: 'Bench',
  startsAtMs: Date.UTC(2020, 0, 1),
  endsAtMs: Date.UTC(2099, 0, 1),
  timeZone: 'Asia/Singapore',
  prizes,
};

/**
 * A prepared coupon of the sizes the edge makes (a 22-character tag, a 63-character seal), unique
 * per draw; the sealing itself happens at the edge, outside the queue this bench measures.
 */
const couponOf = (i: number) => ({
  // padStart makes flat strings, as the edge's base64url text is (a concatenation would not be).
  tag: String(i).padStart(22, 't'),
  seal: String(i).padStart(63, 's'),
});

/** The i-th distinct phone: valid Singapore mobile numbers from +6580000000 up. */
const phoneOf = (i: number): string => `+65${80_000_000 + i}`;

/** Runs `count` operations with at most `windowSize` in flight; returns ops/s per tenth and overall. */
async function drive(count: number, operation: (i: number) => Promise<void>) {
  let next = 0;
  const tenth = Math.max(1, Math.floor(count / 10));
  const marks: number[] = [];
  let done = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      await operation(next++);
      done += 1;
      if (done % tenth === 0) marks.push(performance.now());
    }
  };
  await Promise.all(Array.from({ length: windowSize }, worker));
  const seconds = (performance.now() - started) / 1000;
  const perTenth = marks.map((mark, i) =>
    Math.round(tenth / ((mark - (i === 0 ? started : (marks[i - 1] as number))) / 1000)),
  );
  return {
    opsPerSecond: Math.round(count / seconds),
    perTenth,
    seconds: Number(seconds.toFixed(1)),
  };
}

async function throughput() {
  const scratch = mkdtempSync(join(tmpdir(), 'raffle-bench-campaign-'));
  try {
    const ledgerRun = await journaledEngine(join(scratch, 'ledger'), limits);
    const ledger = await drive(baselineOps, async (i) => {
      const outcome = await ledgerRun.engine.submit(ledgerKind.commands.issue, {
        raffleId: 'main',
        username: `user-${i % 100_000}`,
        count: 1,
      });
      if (!outcome.ok) throw new Error(`issue refused: ${outcome.reason}`);
    });
    const ledgerFsyncs = ledgerRun.journal.stats.fsyncs;
    await ledgerRun.engine.close();
    console.log(`ledger issues, fsync: ${ledger.opsPerSecond} ops/s`);

    const { engine, journal } = await journaledEngine(join(scratch, 'campaign'), limits);
    const created = await engine.submit(campaignKind.commands.createCampaign, campaignFields);
    if (!created.ok) throw new Error(created.message);
    let wins = 0;
    const draws = await drive(phoneCount, async (i) => {
      const outcome = await engine.submit(campaignKind.commands.draw, {
        campaignId: 'bench',
        phone: phoneOf(i),
        coupon: couponOf(i),
      });
      if (!outcome.ok) throw new Error(`draw refused: ${outcome.reason}`);
      if (outcome.value.won) wins += 1;
    });
    const stats = { ...journal.stats };
    engine.stateMachine.checkInvariants();
    await engine.close();
    console.log(
      `campaign draws, fsync: ${draws.opsPerSecond} draws/s (per tenth: ${draws.perTenth.join(', ')})`,
    );
    return {
      window: windowSize,
      ledgerIssues: { ops: baselineOps, ...ledger, fsyncs: ledgerFsyncs },
      campaignDraws: {
        phones: phoneCount,
        ...draws,
        wins,
        fsyncs: stats.fsyncs,
        commandsPerFsync: Number((stats.commands / Math.max(1, stats.fsyncs)).toFixed(1)),
      },
      ratioDrawsToIssues: Number((draws.opsPerSecond / ledger.opsPerSecond).toFixed(3)),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Heap plus array buffers after a full collection (typed arrays live outside the JS heap). */
function usedBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const drawSeed = new Uint8Array(16);

/** A state machine holding the bench campaign (with `campaignPrizes`), and a draw applier. */
function machineWithCampaign(campaignPrizes: typeof prizes) {
  const machine = new StateMachine(createKindRegistry(), limits);
  let seq = 0;
  const apply = (command: Record<string, unknown>, atMs: number, i: number) => {
    seq += 1;
    // Distinct bytes per draw (a counter through a multiplicative hash), no crypto cost.
    for (let b = 0; b < 16; b += 1) {
      drawSeed[b] = (Math.imul(i + 1, 2_654_435_761 + b * 40_503) >>> (b % 24)) & 255;
    }
    const stamped = { seq, atMs, seed: drawSeed, command: { kind: 'campaign', ...command } };
    const outcome = machine.apply(stamped as never);
    if (!outcome.ok) throw new Error(outcome.message);
  };
  apply(
    { type: 'createCampaign', ...campaignFields, prizes: campaignPrizes },
    Date.UTC(2027, 0, 1),
    0,
  );
  return { machine, apply };
}

const drawStart = Date.UTC(2027, 0, 1, 4);

/** Bytes per phone once `phoneCount` phones drew once each. */
function memoryOfOneDraw(): { bytesPerPhone: number; coupons: number } {
  const base = usedBytes();
  const { machine, apply } = machineWithCampaign(prizes);
  for (let i = 0; i < phoneCount; i += 1) {
    apply(
      { type: 'draw', campaignId: 'bench', phone: phoneOf(i), coupon: couponOf(i) },
      drawStart,
      i,
    );
  }
  const after = usedBytes();
  const campaign = machine.stateOf<Campaigns>(campaignKind).byId.get('bench');
  return {
    bytesPerPhone: Math.round((after - base) / phoneCount),
    coupons: campaign?.coupons.size ?? 0,
  };
}

/** Bytes per phone after one day and after a year of daily draws by `phones` phones. */
function memoryOfAYear(phones: number, campaignPrizes: typeof prizes) {
  const base = usedBytes();
  const { machine, apply } = machineWithCampaign(campaignPrizes);
  let afterDay = 0;
  let counter = 1;
  for (let day = 0; day < 365; day += 1) {
    for (let i = 0; i < phones; i += 1) {
      apply(
        { type: 'draw', campaignId: 'bench', phone: phoneOf(i), coupon: couponOf(counter) },
        drawStart + day * dayMs,
        counter++,
      );
    }
    if (day === 0) afterDay = usedBytes();
  }
  const afterYear = usedBytes();
  const campaign = machine.stateOf<Campaigns>(campaignKind).byId.get('bench');
  return {
    phones,
    bytesPerPhoneAfterOneDay: Math.round((afterDay - base) / phones),
    bytesPerPhoneAfterYear: Math.round((afterYear - base) / phones),
    couponsPerPhone: Number(((campaign?.coupons.size ?? 0) / phones).toFixed(1)),
  };
}

function memoryChild() {
  const once = memoryOfOneDraw();
  const yearPhones = 10_000;
  const never = prizes.map((prize) => ({ ...prize, quotaTotal: 0, quotaDaily: 0 }));
  const result = {
    phones: phoneCount,
    bytesPerPhoneOneDraw: once.bytesPerPhone,
    couponsWon: once.coupons,
    yearWithWins: memoryOfAYear(yearPhones, prizes),
    yearWithoutWins: memoryOfAYear(yearPhones, never),
    drawsKeptPerPhone: campaignDrawsKeptPerPhone,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main() {
  if (values.child === 'memory') return memoryChild();
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8000',
      '--import',
      'tsx',
      here,
      '--child',
      'memory',
      '--phones',
      String(phoneCount),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`memory child exited with ${child.status}`);
  const memory = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as unknown;
  console.log(`memory: ${JSON.stringify(memory)}`);
  const result = {
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, node: process.version },
    at: new Date().toISOString(),
    throughput: await throughput(),
    memory,
  };
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${values.json}`);
}

await main();
