/**
 * `npm run soak`: records histories of every raffle kind (or of one, `--kind`) against the real
 * service for as long as asked and checks them: linearizability round by round (each round records
 * each kind in turn, with fresh raffles and its own seed), the conservation laws over the whole
 * run as it streams by. Prints each round's seed and outcome and ends with the verdict line.
 *
 *   npm run soak                                          # 60 s, 64 clients, REST and tRPC
 *   npm run soak -- --kind prize --operations 10000       # one kind
 *   npm run soak -- --duration 3600 --out soak.jsonl      # an hour, history kept in a file
 *   npm run soak -- --operations 1000000 --round-operations 50000
 *   npm run soak -- --seed 1234 --url http://127.0.0.1:3000
 *
 * Exit codes: 0 valid, 1 an anomaly, 2 bad arguments, 3 undecided (a search reached its bound).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Surface } from '../runner/surfaces.js';
import { startServerProcess, type ServerProcess } from '../runner/server-process.js';
import { ConservationChecker, formatAnomaly } from './conservation.js';
import { eventLine, pairOperations, type HistoryEvent } from './events.js';
import { conservationLaws } from './laws.js';
import {
  checkLinearizability,
  formatViolation,
  type LinearizabilityReport,
  type PartitionReport,
} from './linearizability.js';
import { freshSeed } from './random.js';
import { recordCampaignHistory } from './record-campaign.js';
import { recordLedgerHistory } from './record-ledger.js';
import { recordPrizeHistory } from './record-prize.js';
import { HistoryRecorder } from './recorder.js';
import type { RecordingOptions, RecordingResult } from './recording.js';
import { verdict } from './verdict.js';

const usage = `usage: npm run soak -- [options]
  --duration <s>            stop starting rounds after this many seconds (default 60)
  --operations <n>          or after this many operations in all
  --kind <kind>             ledger, prize, campaign or all (default all: each round records
                            each kind in turn)
  --round-operations <n>    operations per kind and round, fresh raffles each (default 20000)
  --clients <n>             concurrent clients (default 64)
  --participants <n>        participants per ledger raffle (default 40)
  --surface rest|trpc|both  wire of the clients (default both: half each)
  --seed <n>                seed of the first round (default: from the clock); round i uses seed + i
  --url <base>              use a running service instead of starting one
  --server-env KEY=VALUE    environment of the started service, repeatable
  --out <file.jsonl>        write the whole history there (npm run check:history reads it)
  --timeout-ms <n>          a request unanswered this long is recorded as info (default 30000)
  --help`;

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number: ${text}`);
  return value;
}

/** Appends events to a JSONL file in chunks. */
function historyFile(path: string): {
  sink: (event: HistoryEvent) => void;
  close: () => Promise<void>;
} {
  const stream: WriteStream = createWriteStream(path);
  let chunk: string[] = [];
  const flush = (): void => {
    if (chunk.length > 0) stream.write(`${chunk.join('\n')}\n`);
    chunk = [];
  };
  return {
    sink: (event) => {
      chunk.push(eventLine(event));
      if (chunk.length >= 1000) flush();
    },
    close: () =>
      new Promise((resolve, reject) => {
        flush();
        stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
      }),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      operations: { type: 'string' },
      kind: { type: 'string', default: 'all' },
      'round-operations': { type: 'string' },
      clients: { type: 'string' },
      participants: { type: 'string' },
      surface: { type: 'string', default: 'both' },
      seed: { type: 'string' },
      url: { type: 'string' },
      'server-env': { type: 'string', multiple: true },
      out: { type: 'string' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const durationMs = positive('duration', values.duration, 60) * 1000;
  const operationsMax = positive('operations', values.operations, Number.POSITIVE_INFINITY);
  const roundOperations = Math.round(
    positive('round-operations', values['round-operations'], 20_000),
  );
  const clients = Math.round(positive('clients', values.clients, 64));
  const participants = Math.round(positive('participants', values.participants, 40));
  const timeoutMs = positive('timeout-ms', values['timeout-ms'], 30_000);
  const surfaces: Surface[] =
    values.surface === 'both'
      ? ['rest', 'trpc']
      : values.surface === 'rest'
        ? ['rest']
        : values.surface === 'trpc'
          ? ['trpc']
          : fail(`unknown --surface ${values.surface}`);
  const recorders: Record<string, (options: RecordingOptions) => Promise<RecordingResult>> = {
    ledger: (options) => recordLedgerHistory({ ...options, workload: { participants } }),
    prize: recordPrizeHistory,
    campaign: recordCampaignHistory,
  };
  const kinds =
    values.kind === 'all'
      ? Object.keys(recorders)
      : recorders[values.kind] !== undefined
        ? [values.kind]
        : fail(`unknown --kind ${values.kind}`);
  const firstSeed = values.seed === undefined ? freshSeed() : Number(values.seed);
  if (!Number.isSafeInteger(firstSeed)) fail(`--seed must be an integer: ${values.seed}`);
  const serverEnv: Record<string, string> = {};
  for (const pair of values['server-env'] ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) fail(`--server-env must be KEY=VALUE: ${pair}`);
    serverEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }

  let server: ServerProcess | undefined;
  let baseUrl = values.url?.replace(/\/+$/, '');
  if (baseUrl === undefined) {
    server = await startServerProcess({ env: serverEnv });
    baseUrl = server.url;
    console.log(`service started: ${baseUrl} (pid ${server.pid})`);
  }
  const conservation = new ConservationChecker(conservationLaws);
  const file = values.out === undefined ? undefined : historyFile(values.out);
  let conservationMs = 0;
  const recorder = new HistoryRecorder({
    sinks: [
      (event) => {
        const started = performance.now();
        conservation.consume(event);
        conservationMs += performance.now() - started;
      },
      ...(file === undefined ? [] : [file.sink]),
    ],
  });
  console.log(
    `soak: ${kinds.join(', ')}; ${clients} clients over ${surfaces.join(' and ')}, ` +
      `${roundOperations} operations a kind and round, ` +
      `first seed ${firstSeed}`,
  );
  const started = performance.now();
  const seeds: number[] = [];
  /** Operations of the history, and those of the clients (what `--operations` bounds). */
  let operations = 0;
  let clientOperations = 0;
  let checkedOperations = 0;
  let linearizabilityMs = 0;
  let undecided = 0;
  const partitions: PartitionReport[] = [];
  try {
    for (
      let round = 0;
      performance.now() - started < durationMs && clientOperations < operationsMax;
      round += 1
    ) {
      const seed = firstSeed + round;
      seeds.push(seed);
      for (const [k, kind] of kinds.entries()) {
        // With a bound on operations, the last round shares what is left among its kinds.
        const left = operationsMax - clientOperations;
        const share = Math.floor(left / (kinds.length - k));
        if (share <= 0) break;
        // Every operation of the history counts, the creations of prize raffles and campaigns too.
        const invokedBefore = recorder.invoked;
        const recorded = await (recorders[kind] as (typeof recorders)[string])({
          baseUrl,
          clients,
          operations: Math.min(roundOperations, share),
          seed,
          surfaces,
          recorder,
          timeoutMs,
        });
        operations += recorder.invoked - invokedBefore;
        clientOperations += recorded.operations;
        const history = pairOperations(recorder.takeEvents());
        const report = checkLinearizability(history);
        linearizabilityMs += report.durationMs;
        checkedOperations += report.checked;
        partitions.push(...report.partitions);
        if (report.valid === undefined) undecided += 1;
        for (const violation of report.violations) console.log(formatViolation(violation));
        const rate = (recorded.operations / recorded.durationMs) * 1000;
        const outcome =
          report.valid === true
            ? 'linearizable'
            : report.valid === false
              ? 'NOT linearizable'
              : 'undecided';
        const infos = history.filter((op) => op.completion === 'info').length;
        console.log(
          `round ${round} ${kind} seed ${seed}: ${recorder.invoked - invokedBefore} operations in ${(recorded.durationMs / 1000).toFixed(1)} s ` +
            `(${rate.toFixed(0)}/s, ${infos} unknown outcomes), ${outcome} in ${(report.durationMs / 1000).toFixed(2)} s; ` +
            `conservation so far: ${conservation.report().anomalies} anomalies`,
        );
      }
    }
  } finally {
    await file?.close();
    if (server !== undefined) {
      const code = await server.stop();
      if (code !== 0) console.error(`the service exited with code ${code}`);
    }
  }
  const conserved = conservation.report(conservationMs);
  if (conserved.first !== undefined) {
    console.log(`first anomaly: ${formatAnomaly(conserved.first)}`);
    if (conserved.worst !== undefined)
      console.log(`worst anomaly: ${formatAnomaly(conserved.worst)}`);
  }
  if (values.out !== undefined) console.log(`history written to ${values.out}`);
  const violations = partitions.filter((p) => p.outcome === 'not-linearizable');
  const linearizability: LinearizabilityReport = {
    valid: violations.length > 0 ? false : undecided > 0 ? undefined : true,
    operations,
    checked: checkedOperations,
    skipped: 0,
    partitions,
    durationMs: linearizabilityMs,
    violations,
  };
  const seedList =
    seeds.length <= 6 ? seeds.join(', ') : `${seeds[0]} … ${seeds[seeds.length - 1]}`;
  const result = verdict({
    operations,
    linearizability,
    conservation: conserved,
    notes: [
      `${seeds.length} round${seeds.length === 1 ? '' : 's'} of ${kinds.join(', ')}, seeds ${seedList}`,
    ],
  });
  console.log(result.line);
  return result.valid === true ? 0 : result.valid === false ? 1 : 3;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
