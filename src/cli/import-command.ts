/**
 * `raffle import`: tickets from a CSV file into a ledger raffle, in bulk requests.
 *
 * The file is read three times, never held whole: once for its SHA-256, once to check every row
 * (a bad file is refused with its line number before anything is sent, and the row count gives
 * the progress bar its total), once to send. Each chunk of rows is one bulk request whose
 * `Idempotency-Key` is derived from the file's digest, the raffle, the chunk size and the
 * chunk's index; acknowledged chunks are recorded in a state file. A rerun after a crash skips
 * what the state file records and resends the rest under the same keys: a chunk the service
 * applied but the state file missed (the crash fell between the two) is answered from the
 * service's idempotency memory, not applied again. That memory is bounded (by count, bytes and a
 * day), which is why the state file, not the keys alone, carries an import across a long gap.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CliError, exitCodes } from './cli-error.js';
import { csvRecords } from './csv-records.js';
import { Progress, type ProgressOutput } from './progress.js';
import { expectOk, type ServiceClient } from './service-client.js';
import { TicketRowReader, type TicketRow } from './ticket-rows.js';

export interface ImportOptions {
  file: string;
  raffleId: string;
  client: ServiceClient;
  batchSize: number;
  concurrency: number;
  /** Create the raffle (named after its id) when it does not exist. */
  create: boolean;
  /** Where progress goes; none when absent. */
  progress: ProgressOutput | undefined;
  /** The state file; `<file>.import-state` by default. */
  statePath?: string | undefined;
}

export interface ImportSummary {
  rows: number;
  chunks: number;
  /** Chunks a previous run had already imported. */
  chunksSkipped: number;
  applied: number;
  refused: number;
  /** The first refused rows: line and reason. */
  refusals: { line: number; reason: string }[];
}

const refusalsShown = 10;

async function digestOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function* rowsOf(file: string): AsyncGenerator<TicketRow> {
  const reader = new TicketRowReader(file);
  let header = true;
  for await (const record of csvRecords(createReadStream(file), file)) {
    const row = reader.row(record);
    header = false;
    if (row !== undefined) yield row;
  }
  if (header)
    throw new CliError(`${file}: the file is empty (it needs a header line)`, exitCodes.badInput);
}

/** The chunks a previous run of the same import acknowledged. */
function loadState(path: string, identity: string): Set<number> {
  if (existsSync(path)) {
    const [first, ...rest] = readFileSync(path, 'utf8').split('\n');
    if (first === identity) {
      return new Set(rest.filter((line) => /^[0-9]+$/.test(line)).map(Number));
    }
  }
  writeFileSync(path, `${identity}\n`);
  return new Set();
}

interface BulkAnswer {
  applied: number;
  refused: number;
  results: ({ ok: true } | { ok: false; reason: string; message: string })[];
}

/** The rows a 400's zod issues point at (`items.N.field`), as `line: message`. */
function issuesByLine(body: unknown, rows: TicketRow[]): string | undefined {
  const issues = (body as { issues?: { path?: unknown[]; message?: string }[] }).issues;
  const lines = (issues ?? []).flatMap((issue) => {
    const index = issue.path?.[0] === 'items' ? issue.path[1] : undefined;
    const row = typeof index === 'number' ? rows[index] : undefined;
    return row === undefined ? [] : [`line ${row.line}: ${issue.message ?? 'refused'}`];
  });
  return lines.length > 0 ? lines.slice(0, refusalsShown).join('; ') : undefined;
}

async function ensureRaffle(options: ImportOptions): Promise<void> {
  const { client, raffleId } = options;
  const path = `/raffles/${encodeURIComponent(raffleId)}`;
  const answer = await client.get(path);
  if (answer.status === 404 && options.create) {
    expectOk(
      await client.post('/raffles', { id: raffleId, name: raffleId }, `raffle-create:${raffleId}`),
      `creating raffle ${raffleId}`,
    );
    return;
  }
  if (answer.status === 404) {
    throw new CliError(
      `raffle ${raffleId} does not exist (pass --create to create it)`,
      exitCodes.refused,
    );
  }
  expectOk(answer, `reading raffle ${raffleId}`);
}

export async function importTickets(options: ImportOptions): Promise<ImportSummary> {
  const { file, raffleId, client, batchSize } = options;
  if (!existsSync(file)) throw new CliError(`${file}: no such file`, exitCodes.badInput);
  const digest = await digestOf(file);
  let total = 0;
  for await (const row of rowsOf(file)) total += row.count > 0 ? 1 : 0;
  await ensureRaffle(options);

  const keyBase = `raffle-import:${digest.slice(0, 32)}:${batchSize}:${raffleId}`;
  const statePath = options.statePath ?? `${file}.import-state`;
  const done = loadState(statePath, keyBase);
  const progress =
    options.progress === undefined ? undefined : new Progress(options.progress, total);
  const summary: ImportSummary = {
    rows: total,
    chunks: 0,
    chunksSkipped: 0,
    applied: 0,
    refused: 0,
    refusals: [],
  };
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;

  const send = async (index: number, rows: TicketRow[]): Promise<void> => {
    const items = rows.map(({ username, count }) => ({ username, count }));
    const answer = await client.post(
      `/raffles/${encodeURIComponent(raffleId)}/tickets/bulk`,
      { items },
      `${keyBase}:${index}`,
    );
    if (answer.status === 400) {
      const where = issuesByLine(answer.body, rows);
      if (where !== undefined)
        throw new CliError(`${file}: the service refused ${where}`, exitCodes.badInput);
    }
    const body = expectOk(
      answer,
      `chunk ${index} (lines ${rows[0]?.line}–${rows.at(-1)?.line})`,
    ) as BulkAnswer;
    summary.applied += body.applied;
    summary.refused += body.refused;
    body.results.forEach((result, i) => {
      if (!result.ok && summary.refusals.length < refusalsShown) {
        summary.refusals.push({
          line: rows[i]?.line ?? 0,
          reason: `${result.message} (${result.reason})`,
        });
      }
    });
    appendFileSync(statePath, `${index}\n`);
    progress?.add(rows.length);
  };

  const dispatch = async (index: number, rows: TicketRow[]): Promise<void> => {
    summary.chunks += 1;
    if (done.has(index)) {
      summary.chunksSkipped += 1;
      progress?.add(rows.length);
      return;
    }
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    if (failure !== undefined) return;
    const request = send(index, rows).catch((error: unknown) => {
      failure ??= error instanceof Error ? error : new Error(String(error));
    });
    const tracked = request.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  let chunk: TicketRow[] = [];
  let index = 0;
  for await (const row of rowsOf(file)) {
    chunk.push(row);
    if (chunk.length === batchSize) {
      await dispatch(index, chunk);
      index += 1;
      chunk = [];
    }
    if (failure !== undefined) break;
  }
  if (chunk.length > 0 && failure === undefined) await dispatch(index, chunk);
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  progress?.finish();
  return summary;
}
