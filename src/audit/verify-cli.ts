#!/usr/bin/env node
/**
 * `raffle-verify export.ndjson`: checks an audit export offline (see `verify.ts`) and prints a
 * summary. Exit 0 when everything holds; 1 naming the first bad line and why; 2 on bad usage.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { rafflesMaxDefault, participantsPerRaffleMaxDefault } from '../config/limits.js';
import { createKindRegistry } from '../kinds/registry.js';
import { verifyLines } from './verify.js';

async function* linesOf(path: string): AsyncGenerator<string> {
  const reader = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of reader) yield line;
}

async function main(argv: string[]): Promise<number> {
  const path = argv[0];
  if (path === undefined || argv.includes('--help') || argv.length > 1) {
    console.error(
      'usage: raffle-verify <export.ndjson>\n\nChecks an audit export of the raffle service offline: the hash chain, the committed seeds, every recomputed answer and the final state digest.',
    );
    return path === undefined || argv.length > 1 ? 2 : 0;
  }
  if (!existsSync(path)) {
    console.error(`raffle-verify: no file ${path}`);
    return 2;
  }
  const lines: string[] = [];
  for await (const line of linesOf(path)) lines.push(line);
  const report = verifyLines(lines, createKindRegistry(), {
    rafflesMax: rafflesMaxDefault,
    participantsPerRaffleMax: participantsPerRaffleMaxDefault,
  });
  if (!report.ok) {
    const seq = report.seq === undefined ? '' : `, command ${report.seq}`;
    console.error(`FAILED at line ${report.line}${seq}: ${report.reason}`);
    return 1;
  }
  const seeded = Object.entries(report.seeded)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  console.log(
    [
      `OK: ${report.records} records, ${report.commands} commands up to ${report.seq}`,
      `commands with random bytes: ${seeded || 'none'} (${report.beacons} with a beacon, ${report.seedChains} seed chains committed)`,
      `head hash: ${report.head}`,
      `state digest: ${report.digest}`,
    ].join('\n'),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`raffle-verify: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
