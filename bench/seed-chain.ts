/**
 * `npm run bench:seeds`: how long the event loop stops when a seed chain runs out. An engine with
 * a seed chain of the service's length (`seedChainLength`) serves draws, each of which takes a
 * link, in groups paced one per turn, until more links than one chain holds have been taken; the
 * event loop's delay is sampled meanwhile. The baseline, measured in the same run: computing one
 * whole chain in one go, which is what every request waited for at each chain's end before the
 * next chain was computed ahead in slices. Results go to load/results/seed-chain-bench.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { seedChainLength } from '../src/config/limits.js';
import type { StampedCommand } from '../src/engine/commands.js';
import { SeedChain } from '../src/engine/seed-chain.js';
import { ledgerKind } from '../src/kinds/ledger/kind.js';
import { startRaffleEngine } from '../src/kinds/start-engine.js';
import { HkdfSecretKeys } from '../src/server/hkdf-secret-keys.js';
import { seedSourceFor } from '../src/server/seed-chains.js';

const { values } = parseArgs({
  options: {
    group: { type: 'string', default: '40' },
    out: { type: 'string', default: 'load/results/seed-chain-bench.json' },
  },
});
const group = Number(values.group);

// The baseline: one chain computed in one go, three times (the median is kept).
const whole: number[] = [];
for (let i = 0; i < 3; i += 1) {
  const start = performance.now();
  new SeedChain(randomBytes(32), seedChainLength);
  whole.push(performance.now() - start);
}
whole.sort((a, b) => a - b);

// A log that acknowledges each batch on the next turn, as a fast disk would.
const log = {
  append: (_batch: readonly StampedCommand[]) =>
    new Promise<void>((resolve) => setImmediate(resolve)),
  close: () => Promise.resolve(),
};
const engine = await startRaffleEngine({
  rafflesMax: 10,
  participantsPerRaffleMax: 100,
  defaultRaffleId: 'main',
  defaultRaffleName: 'Main',
  queueLengthMax: 100_000,
  batchSizeMax: 1_000,
  log,
  seeds: seedSourceFor(HkdfSecretKeys.random(), undefined),
});
await engine.submit(ledgerKind.commands.issue, { raffleId: 'main', username: 'a', count: 10 });

const draws = Math.ceil((seedChainLength * 1.25) / group) * group;
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let slowestGroupMs = 0;
const start = performance.now();
for (let done = 0; done < draws; done += group) {
  const sent = performance.now();
  await Promise.all(
    Array.from({ length: group }, () =>
      engine.submit(ledgerKind.commands.draw, { raffleId: 'main' }),
    ),
  );
  slowestGroupMs = Math.max(slowestGroupMs, performance.now() - sent);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
delay.disable();
const elapsedS = (performance.now() - start) / 1000;
await engine.close();

const result = {
  startedAt: new Date().toISOString(),
  node: process.version,
  chainLength: seedChainLength,
  draws,
  group,
  drawsPerS: Math.round(draws / elapsedS),
  wholeChainMs: Math.round((whole[1] as number) * 10) / 10,
  eventLoopDelayMaxMs: Math.round((delay.max / 1e6) * 10) / 10,
  eventLoopDelayP99Ms: Math.round((delay.percentile(99) / 1e6) * 10) / 10,
  slowestGroupMs: Math.round(slowestGroupMs * 10) / 10,
};
console.log(
  `${draws} draws across a chain's end (${seedChainLength} links), in groups of ${group}: ` +
    `${result.drawsPerS} draws/s\n` +
    `event loop delay: max ${result.eventLoopDelayMaxMs} ms, p99 ${result.eventLoopDelayP99Ms} ms; ` +
    `slowest group ${result.slowestGroupMs} ms\n` +
    `baseline, one chain computed in one go: ${result.wholeChainMs} ms ` +
    `(max delay / baseline: ${(result.eventLoopDelayMaxMs / result.wholeChainMs).toFixed(2)})`,
);
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`results written to ${values.out}`);
