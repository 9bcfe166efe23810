#!/usr/bin/env node
/**
 * `raffle`: the operators' command line for a running raffle service, over its REST API.
 *
 *   raffle import FILE --raffle ID   tickets from CSV (username,count), in resumable bulk requests
 *   raffle export --raffle ID        participants as CSV (username,tickets), page by page
 *   raffle draw --raffle ID          draw winners
 *   raffle show --raffle ID          a raffle's figures
 *
 * Exit codes are in `cli-error.ts` and in each `--help`. Options are parsed with node:util's
 * `parseArgs` in strict mode, so a mistyped option is an error, not silently ignored.
 */
import { createWriteStream, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { bulkItemsMaxDefault } from '../config/limits.js';
import { CliError, exitCodes } from './cli-error.js';
import { importTickets } from './import-command.js';
import { drawWinners, exportParticipants, showRaffle } from './raffle-commands.js';
import { ServiceClient } from './service-client.js';

const exitText = `Exit codes: 0 done; 1 the service refused (unknown raffle, refused rows, 4xx);
2 bad command line; 3 the input file is missing or not valid CSV (the message names the line);
4 the service cannot be reached or kept failing after retries.`;

const common = `Common options:
  --url URL        the service (default: $RAFFLE_URL, else http://127.0.0.1:3000)
  --token TOKEN    operator token sent as a bearer header (default: $RAFFLE_TOKEN; prefer the
                   variable, which stays out of the shell's history)
  --retries N      retries of a request the service could not answer (default 5)
  --help           this text`;

const help = {
  main: `Usage: raffle COMMAND [options]

Commands:
  import FILE --raffle ID   issue tickets from a CSV file, in bulk, resumably
  export --raffle ID        write the participants as CSV
  draw --raffle ID          draw winners
  show --raffle ID          print a raffle's figures

Run 'raffle COMMAND --help' for a command's options.

${common}

${exitText}
`,
  import: `Usage: raffle import FILE --raffle ID [options]

Issues tickets from FILE, a CSV file whose header names a 'username' column and optionally a
'count' column (default 1 ticket per row); other columns are ignored. Every row is checked first:
a bad row stops the import before anything is sent, naming its line. Rows go in bulk requests;
each request's Idempotency-Key is derived from the file's digest and the chunk's number, and
acknowledged chunks are recorded in a state file, so running the same command again after an
interruption finishes the import without issuing any row twice (and a finished import again does
nothing).

Options:
  --raffle ID         the ledger raffle (required)
  --create            create the raffle when it does not exist
  --batch N           rows per request (default 1000, at most ${bulkItemsMaxDefault}; keep requests under the
                      service's BODY_BYTES_MAX)
  --concurrency N     requests in flight (default 4)
  --state FILE        the state file (default FILE.import-state)
  --progress          show progress (rows, rate, ETA) on stderr even when it is not a terminal
  --no-progress       never show progress

${common}

${exitText}
`,
  export: `Usage: raffle export --raffle ID [--output FILE]

Writes every participant of the raffle as CSV (username,tickets) in order of arrival, reading
the service's paged listing a page at a time.

Options:
  --raffle ID      the ledger raffle (required)
  --output FILE    write to FILE instead of standard output

${common}

${exitText}
`,
  draw: `Usage: raffle draw --raffle ID [--count N]

Draws N winners (default 1), one at a time, and prints each. Each draw is retried under its own
Idempotency-Key when the service is busy, so a retry never draws twice.

Options:
  --raffle ID    the ledger raffle (required)
  --count N      how many winners (default 1)

${common}

${exitText}
`,
  show: `Usage: raffle show --raffle ID [--json]

Prints the raffle's tickets, participants and draws.

Options:
  --raffle ID    the ledger raffle (required)
  --json         print the API's JSON instead

${common}

${exitText}
`,
};

const globalOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean' },
  retries: { type: 'string' },
  raffle: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const commandOptions = {
  import: {
    ...globalOptions,
    create: { type: 'boolean' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    state: { type: 'string' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
  },
  export: { ...globalOptions, output: { type: 'string' } },
  draw: { ...globalOptions, count: { type: 'string' } },
  show: { ...globalOptions, json: { type: 'boolean' } },
} as const;

type Command = keyof typeof commandOptions;

function usage(message: string): never {
  throw new CliError(`${message}\nRun 'raffle --help' for usage.`, exitCodes.usage);
}

function wholeNumber(
  text: string | undefined,
  name: string,
  fallback: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = /^[0-9]{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1 && value <= max)) usage(`--${name} must be a whole number from 1 to ${max}`);
  return value;
}

/** Like `wholeNumber`, from 0. */
function wholeNumber0(text: string | undefined, name: string, fallback: number, max: number) {
  return text === '0' ? 0 : wholeNumber(text, name, fallback, max);
}

export async function run(
  argv: string[],
  io: {
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WriteStream | NodeJS.WritableStream;
    env: NodeJS.ProcessEnv;
  },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help.main);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  if (!(name in commandOptions)) usage(`unknown command '${name}'`);
  const command = name as Command;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: commandOptions[command],
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) {
    io.stdout.write(help[command]);
    return exitCodes.ok;
  }
  const positionals = parsed.positionals;
  if (command !== 'import' && positionals.length > 0)
    usage(`unexpected argument '${positionals[0]}'`);
  const raffleId = values.raffle;
  if (typeof raffleId !== 'string' || raffleId === '') usage('--raffle ID is required');
  const client = new ServiceClient({
    url: (values.url as string | undefined) ?? io.env.RAFFLE_URL ?? 'http://127.0.0.1:3000',
    token: (values.token as string | undefined) ?? io.env.RAFFLE_TOKEN,
    attempts: 1 + wholeNumber0(values.retries as string | undefined, 'retries', 5, 20),
  });

  switch (command) {
    case 'import': {
      if (positionals.length !== 1) usage('import takes one FILE');
      const stderr = io.stderr as NodeJS.WriteStream;
      const showProgress =
        values['no-progress'] === true ? false : values.progress === true || stderr.isTTY === true;
      const summary = await importTickets({
        file: positionals[0] as string,
        raffleId,
        client,
        batchSize: wholeNumber(
          values.batch as string | undefined,
          'batch',
          1000,
          bulkItemsMaxDefault,
        ),
        concurrency: wholeNumber(values.concurrency as string | undefined, 'concurrency', 4, 64),
        create: values.create === true,
        progress: showProgress ? stderr : undefined,
        statePath: values.state as string | undefined,
      });
      io.stdout.write(
        `imported ${summary.rows} rows in ${summary.chunks} requests` +
          (summary.chunksSkipped > 0
            ? ` (${summary.chunksSkipped} already done by an earlier run)`
            : '') +
          `: ${summary.applied} applied, ${summary.refused} refused\n`,
      );
      for (const refusal of summary.refusals)
        io.stderr.write(`line ${refusal.line}: ${refusal.reason}\n`);
      return summary.refused > 0 ? exitCodes.refused : exitCodes.ok;
    }
    case 'export': {
      const output = values.output as string | undefined;
      const stream = output === undefined ? io.stdout : createWriteStream(output);
      const count = await exportParticipants(client, raffleId, stream);
      if (output !== undefined) {
        await new Promise<void>((resolve, reject) =>
          (stream as ReturnType<typeof createWriteStream>).end((error?: Error | null) =>
            error ? reject(error) : resolve(),
          ),
        );
        io.stderr.write(`exported ${count} participants to ${output}\n`);
      }
      return exitCodes.ok;
    }
    case 'draw':
      await drawWinners(
        client,
        raffleId,
        wholeNumber(values.count as string | undefined, 'count', 1, 10_000),
        io.stdout,
      );
      return exitCodes.ok;
    case 'show':
      await showRaffle(client, raffleId, values.json === true, io.stdout);
      return exitCodes.ok;
  }
}

/** Run as a program (the bin, or `node dist/cli/raffle.js`), not imported by a test. */
const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);

/** `run`, with failures reported on stderr and turned into their exit codes. */
export async function main(argv: string[], io: Parameters<typeof run>[1]): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`raffle: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`raffle: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}

if (invokedDirectly) {
  void main(process.argv.slice(2), process).then((code) => {
    process.exitCode = code;
  });
}
