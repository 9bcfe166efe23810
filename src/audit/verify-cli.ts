#!/usr/bin/env node
/**
 * `raffle-verify`: checks an audit export offline (see `verify.ts`) and prints a summary.
 *
 *     raffle-verify export.ndjson                      checks a file
 *     raffle-verify --fetch http://host:port [--out export.ndjson]
 *                                                      reads GET /api/audit/log page after page,
 *                                                      checks it as it arrives and keeps a copy
 *
 * Exit 0 when everything holds; 1 naming the first bad line and why; 2 on bad usage or when the
 * file or the service cannot be read. Checking a file needs no network and no running service.
 */
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createKindRegistry } from '../kinds/registry.js';
import { auditInitialLimits } from './export.js';
import { Verifier, type VerifyReport } from './verify.js';

const usage = `usage: raffle-verify <export.ndjson>
       raffle-verify --fetch <service URL> [--out <export.ndjson>]

Checks an audit export of the raffle service: the hash chain, the committed seeds, every
recomputed answer (every draw's winner) and the final state digest.`;

async function* linesOf(input: NodeJS.ReadableStream): AsyncGenerator<string> {
  yield* createInterface({ input, crlfDelay: Infinity });
}

/** The pages of `GET /api/audit/log` joined into one export: one header, one trailer. */
async function* fetchedLines(base: string): AsyncGenerator<string> {
  let from = 1;
  for (;;) {
    const url = new URL('/api/audit/log', base);
    url.searchParams.set('from', String(from));
    const response = await fetch(url);
    if (!response.ok || response.body === null) {
      throw new Error(`GET ${url.href} answered ${response.status}: ${await response.text()}`);
    }
    let trailer: { more?: unknown; seq?: unknown } | undefined;
    let first = true;
    for await (const line of linesOf(Readable.fromWeb(response.body as never))) {
      if (first) {
        first = false;
        if (from === 1) yield line;
        continue;
      }
      if (line.startsWith('{"end":')) {
        trailer = JSON.parse(line) as typeof trailer;
        if (trailer?.more !== true) yield line;
        continue;
      }
      yield line;
    }
    if (trailer?.more !== true) return;
    if (typeof trailer.seq !== 'number') throw new Error('a page ends without its trailer');
    from = trailer.seq + 1;
  }
}

function summary(report: Extract<VerifyReport, { ok: true }>): string {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([name, count]) => `${name} ${count}`)
      .join(', ') || 'none';
  return [
    `OK: ${report.records} records, up to command ${report.seq}`,
    `draws per kind: ${list(report.draws)}`,
    `commands with random bytes: ${list(report.seeded)} (${report.beacons} with a beacon, ${report.seedChains} seed chains committed)`,
    `head hash: ${report.head}`,
    `state digest: ${report.digest}`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        fetch: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    console.log(usage);
    return 0;
  }
  const path = positionals[0];
  if ((values.fetch === undefined) === (path === undefined) || positionals.length > 1) {
    console.error(usage);
    return 2;
  }
  if (path !== undefined && !existsSync(path)) {
    console.error(`raffle-verify: no file ${path}`);
    return 2;
  }
  const lines =
    path !== undefined ? linesOf(createReadStream(path)) : fetchedLines(values.fetch as string);
  const out: WriteStream | undefined =
    values.out === undefined ? undefined : createWriteStream(values.out);
  const verifier = new Verifier(createKindRegistry(), auditInitialLimits);
  for await (const line of lines) {
    if (out !== undefined && !out.write(`${line}\n`)) {
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    // A copy is kept whole even past a failure, so the bad line can be looked at.
    if (!verifier.push(line) && out === undefined) break;
  }
  if (out !== undefined) await new Promise<void>((resolve) => out.end(resolve));
  const report = verifier.finish();
  if (!report.ok) {
    const seq = report.seq === undefined ? '' : `, command ${report.seq}`;
    console.error(`FAILED at line ${report.line}${seq}: ${report.reason}`);
    return 1;
  }
  console.log(summary(report));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`raffle-verify: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
