/**
 * `npm run simulate`: the deterministic simulation (`world.ts`) over as many seeds as asked. Each
 * failing seed is printed with what broke and a one-line command that replays it exactly; the run
 * ends with how campaign commands and reads were answered (by type and outcome) and a verdict
 * line with the seeds it ran.
 *
 *   npm run simulate                           # 100 seeds from 1
 *   npm run simulate -- --seeds 5000 --first 77
 *   npm run simulate -- --seed 1234            # replay one seed (prints its fingerprint)
 *   npm run simulate -- --seeds 200 --holes    # also lose an earlier part of an unsynced write
 *
 * Exit codes: 0 every seed valid, 1 a seed failed, 2 bad arguments.
 */
import { parseArgs } from 'node:util';
import { simulate, zeroCounts, type SimulationResult } from './world.js';

const usage = `usage: npm run simulate -- [options]
  --seeds <n>     how many seeds to run (default 100)
  --first <n>     the first seed (default 1); seeds first .. first + n - 1
  --seed <n>      run this one seed only (a replay)
  --lives <n>     lives of the service per seed (default 6)
  --rounds <n>    rounds of commands per life, at most (default 10)
  --holes         crash images may lose an earlier part of an unsynced write and keep a later one
  --lying-disk    a planted bug: segment fdatasyncs succeed without doing anything (must fail)
  --help`;

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

function whole(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) fail(`--${name} must be a whole number: ${text}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string' },
      first: { type: 'string' },
      seed: { type: 'string' },
      lives: { type: 'string' },
      rounds: { type: 'string' },
      holes: { type: 'boolean', default: false },
      'lying-disk': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const one = values.seed === undefined ? undefined : whole('seed', values.seed, 0);
  const first = one ?? whole('first', values.first, 1);
  const count = one === undefined ? whole('seeds', values.seeds, 100) : 1;
  const flags = [
    values.lives === undefined ? '' : ` --lives ${values.lives}`,
    values.rounds === undefined ? '' : ` --rounds ${values.rounds}`,
    values.holes ? ' --holes' : '',
    values['lying-disk'] ? ' --lying-disk' : '',
  ].join('');
  const started = performance.now();
  const totals = zeroCounts();
  const failed: SimulationResult[] = [];
  const campaignCases = new Map<string, number>();
  for (let seed = first; seed < first + count; seed += 1) {
    const result = await simulate({
      seed,
      lives: values.lives === undefined ? undefined : whole('lives', values.lives, 6),
      rounds: values.rounds === undefined ? undefined : whole('rounds', values.rounds, 10),
      holes: values.holes,
      lyingDisk: values['lying-disk'],
    });
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result[key];
    for (const [key, n] of Object.entries(result.campaignCases))
      campaignCases.set(key, (campaignCases.get(key) ?? 0) + n);
    if (one !== undefined) {
      console.log(
        `seed ${seed}: ${result.valid ? 'valid' : 'FAILED'} · ${result.answers} answers · ${result.commands} commands · ${result.powerCuts} power cuts · ${result.faults} faults · fingerprint ${result.fingerprint}`,
      );
    }
    if (!result.valid) {
      failed.push(result);
      console.log(`seed ${seed} FAILED: ${result.failure}`);
      console.log(`  replay: npm run simulate -- --seed ${seed}${flags}`);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const cases = [...campaignCases].sort(([a], [b]) => (a < b ? -1 : 1));
  console.log(`campaign answers: ${cases.map(([key, n]) => `${key} ${n}`).join(' · ')}`);
  const range = count === 1 ? `seed ${first}` : `seeds ${first}..${first + count - 1}`;
  console.log(
    [
      `VERDICT ${failed.length === 0 ? 'valid' : 'INVALID'}`,
      `${count} seed${count === 1 ? '' : 's'} (${range})`,
      `${failed.length} failed${failed.length > 0 ? ` (${failed.map((r) => r.seed).join(', ')})` : ''}`,
      `${totals.answers} answers and ${totals.commands} commands checked against the model`,
      `${totals.powerCuts} power cuts (${totals.tornWrites} inside a write${values.holes ? `, ${totals.holes} with a hole, ${totals.holesMidBatch} of them in an earlier record of the batch` : ''}), ${totals.stops} stops, ${totals.faults} disk faults survived`,
      `${seconds} s`,
    ].join(' · '),
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
