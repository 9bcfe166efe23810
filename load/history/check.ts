/**
 * `npm run check:history -- <history.jsonl>`: runs the checkers on a recorded (or hand-written)
 * history file and ends with the verdict line.
 *
 *   npm run check:history -- history.jsonl
 *   npm run check:history -- history.jsonl --no-linearizability   # conservation only (any length)
 *   npm run check:history -- history.jsonl --any-start            # raffles not fresh at the start
 *   npm run check:history -- history.jsonl --kind prize           # one kind's operations only
 *
 * Conservation streams the file; linearizability holds the operations of the file in memory.
 * Exit codes: 0 valid, 1 an anomaly, 2 bad arguments or an unreadable history, 3 undecided (the
 * linearizability search reached its bound).
 */
import { parseArgs } from 'node:util';
import { ConservationChecker, formatAnomaly } from './conservation.js';
import { pairOperations, readHistoryFile, type HistoryEvent } from './events.js';
import { conservationLaws } from './laws.js';
import { checkLinearizability, formatViolation } from './linearizability.js';
import { verdict } from './verdict.js';

const usage = `usage: npm run check:history -- <history.jsonl> [options]
  --no-linearizability   skip the linearizability check (conservation streams any length)
  --no-conservation      skip the conservation check
  --any-start            raffles may hold tickets when the history starts
  --kind <kind>          ledger, prize, campaign or all (default all): the kinds checked
  --steps-max <n>        bound of the whole-raffle linearizability search (default 20000000)
  --help`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'no-linearizability': { type: 'boolean', default: false },
      'no-conservation': { type: 'boolean', default: false },
      'any-start': { type: 'boolean', default: false },
      kind: { type: 'string', default: 'all' },
      'steps-max': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) {
    console.error(usage);
    return 2;
  }
  const stepsMax = values['steps-max'] === undefined ? undefined : Number(values['steps-max']);
  if (stepsMax !== undefined && !(stepsMax > 0)) {
    console.error(`--steps-max must be a positive number\n\n${usage}`);
    return 2;
  }
  const kind = values.kind;
  if (kind !== 'all' && !['ledger', 'prize', 'campaign'].includes(kind)) {
    console.error(`--kind must be ledger, prize, campaign or all: ${kind}\n\n${usage}`);
    return 2;
  }
  const linearize = !values['no-linearizability'];
  const conserve = !values['no-conservation'];
  const events: HistoryEvent[] = [];
  const checker = new ConservationChecker(conservationLaws);
  let operations = 0;
  const started = performance.now();
  try {
    // Operations of the kinds left out are skipped, completions included (by operation number).
    const kept = new Set<number>();
    for await (const event of readHistoryFile(file)) {
      if (kind !== 'all') {
        if (event.type === 'invoke' && event.kind === kind) kept.add(event.op);
        if (!kept.has(event.op)) continue;
        if (event.type !== 'invoke') kept.delete(event.op);
      }
      if (event.type === 'invoke') operations += 1;
      if (conserve) checker.consume(event);
      if (linearize) events.push(event);
    }
  } catch (error) {
    console.error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const conservation = conserve ? checker.report(performance.now() - started) : undefined;
  const linearizability = linearize
    ? checkLinearizability(pairOperations(events), {
        freshRaffles: !values['any-start'],
        stepsMax,
      })
    : undefined;
  for (const violation of linearizability?.violations ?? [])
    console.log(formatViolation(violation));
  if (conservation?.first !== undefined) {
    console.log(`first anomaly: ${formatAnomaly(conservation.first)}`);
    if (conservation.worst !== undefined && conservation.worst !== conservation.first) {
      console.log(`worst anomaly: ${formatAnomaly(conservation.worst)}`);
    }
  }
  if (conservation !== undefined && conservation.skippedKinds.length > 0) {
    console.log(`no conservation law for kinds: ${conservation.skippedKinds.join(', ')}`);
  }
  const result = verdict({ operations, linearizability, conservation });
  console.log(result.line);
  return result.valid === true ? 0 : result.valid === false ? 1 : 3;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(2);
  },
);
