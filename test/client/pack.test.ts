/**
 * The published client package, as a consumer gets it: `npm pack` the workspace (its prepack
 * script builds `dist/`), check that the declaration file stands alone, install the tarball into a
 * project outside the repository and type-check calls against it with a strict configuration.
 * Correct calls must compile, every wrong call must be an error (an unused `@ts-expect-error` fails
 * the check, so types that collapsed to `any` would be caught), and the bundle must run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer } from '../support/server.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

const packTimeoutMs = 120_000;
const installTimeoutMs = 150_000;
const hookTimeoutMs = 180_000;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for child npm and tsc processes: this one without the `npm_*` variables that an
 * outer `npm test` sets (`npm_config_local_prefix`, `npm_config_prefix`, workspace flags and so on
 * would point a nested npm at the repository). Registry, cache, proxy and TLS settings stay.
 */
function childEnv(): NodeJS.ProcessEnv {
  const keep =
    /^npm_config_(cache|registry|userconfig|globalconfig|cafile|ca|cert|key|strict_ssl|proxy|https_proxy|http_proxy|noproxy|no_proxy|fetch_.+|.+:registry|.+_authtoken)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !keep.test(key)) continue;
    env[key] = value;
  }
  return env;
}

function run(command: string, args: string[], cwd: string, timeout: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv(), timeout, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs npm: the CLI that runs this test when there is one, else `npm` from the PATH. */
function npm(args: string[], cwd: string, timeout: number): Promise<RunResult> {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath)) {
    return run(process.execPath, [execPath, ...args], cwd, timeout);
  }
  return run('npm', args, cwd, timeout);
}

function describeRun(result: RunResult): string {
  return `exit ${String(result.code)}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** The regular files of a .tgz, by path (a minimal ustar reader; npm writes plain ustar). */
function readTarball(file: string): Map<string, Buffer> {
  const archive = gunzipSync(readFileSync(file));
  const files = new Map<string, Buffer>();
  const text = (start: number, length: number) =>
    archive
      .subarray(start, start + length)
      .toString('utf8')
      .replace(/\0.*$/s, '');
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const name = text(offset, 100);
    if (name === '') break;
    const size = Number.parseInt(text(offset + 124, 12).trim() || '0', 8);
    const type = text(offset + 156, 1);
    const prefix = text(offset + 345, 155);
    const body = archive.subarray(offset + 512, offset + 512 + size);
    if (type === '' || type === '0') files.set(prefix ? `${prefix}/${name}` : name, body);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Every module specifier a declaration file refers to. */
function moduleSpecifiers(source: string): string[] {
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\/\/\/\s*<reference\s+(?:path|types)\s*=\s*['"]([^'"]+)['"]/g,
    /\bdeclare\s+module\s+['"]([^'"]+)['"]/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]!));
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * The consumer's manifest. It depends on the TypeScript the repository uses, as a real consumer
 * would: that satisfies the tRPC packages' `typescript` peer dependency with a version the npm
 * cache already holds instead of fetching the newest one.
 */
const typescriptVersion: string = JSON.parse(
  readFileSync(path.join(repoRoot, 'node_modules', 'typescript', 'package.json'), 'utf8'),
).version;
const consumerManifest = {
  name: 'raffle-consumer',
  private: true,
  type: 'module',
  devDependencies: { typescript: typescriptVersion },
};

const consumerTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    lib: ['ES2022', 'DOM'],
  },
  files: ['consumer.ts'],
};

/** Correct calls, outputs assigned to explicit types, and wrong calls each marked as an error. */
const consumerSource = `\
import {
  createRaffleClient,
  reasonOf,
  TRPCClientError,
  type RaffleInputs,
  type RaffleOutputs,
  type Reason,
} from '@raffle/client';

type IsAny<T> = 0 extends 1 & T ? true : false;

const client = createRaffleClient({ url: 'http://127.0.0.1:3000', batch: true, maxBatchItems: 10 });

export async function correctCalls(): Promise<void> {
  const issued = await client.tickets.issue.mutate({ raffleId: 'main', username: 'alice', count: 3 });
  const issuedIsAny: IsAny<typeof issued> = false;
  const n: number = (await client.tickets.issue.mutate({ raffleId: 'main', username: 'bob', count: 1 })).tickets;
  const total: number = issued.totalTickets;
  const who: string = issued.username;

  const page = await client.participants.list.query({ raffleId: 'main', limit: 10 });
  const cursor: string | null = page.nextCursor;
  const next = await client.participants.list.query({ raffleId: 'main', cursor: cursor ?? undefined });
  const people: { username: string; tickets: number }[] = next.participants;
  const one: { username: string; tickets: number } = await client.participants.get.query({ raffleId: 'main', username: 'alice' });

  const moved = await client.transfers.create.mutate({ raffleId: 'main', from: 'alice', to: 'bob', count: 1 });
  const left: number = moved.from.tickets;
  const gained: number = moved.to.tickets;

  const draw = await client.draws.create.mutate({ raffleId: 'main' });
  const winner: string = draw.username;
  const drawId: number = draw.drawId;
  const at: string = draw.at;
  const history: RaffleOutputs['draws']['list'] = await client.draws.list.query({ raffleId: 'main', limit: 5 });
  const firstDraw: RaffleOutputs['draws']['create'] | undefined = history.draws[0];

  const raffle = await client.raffles.create.mutate({ name: 'Spring raffle' });
  const raffleId: string = raffle.id;
  const stats = await client.raffles.get.query({ raffleId });
  const drawCount: number = stats.drawCount;
  const raffles: RaffleOutputs['raffles']['list'] = await client.raffles.list.query();

  const input: RaffleInputs['tickets']['issue'] = { raffleId: 'main', username: 'carol', count: 1 };
  try {
    await client.tickets.issue.mutate(input);
  } catch (error) {
    const reason: Reason | undefined = reasonOf(error);
    if (reason === 'insufficient_tickets' || reason === 'raffle_not_found') void reason;
    // @ts-expect-error not a reason code: the comparison can never be true
    if (reasonOf(error) === 'not_a_reason') void error;
    const isClientError: boolean = error instanceof TRPCClientError;
    void isClientError;
  }

  void [issuedIsAny, n, total, who, people, one, left, gained, winner, drawId, at, firstDraw, drawCount, raffles];
}

export async function wrongCalls(): Promise<void> {
  // @ts-expect-error count must be a number
  await client.tickets.issue.mutate({ raffleId: 'main', username: 'alice', count: '3' });
  // @ts-expect-error username is required
  await client.tickets.issue.mutate({ raffleId: 'main', count: 3 });
  // @ts-expect-error no such procedure
  await client.tickets.nope.mutate({ raffleId: 'main' });
  // @ts-expect-error queries have no mutate
  await client.participants.list.mutate({ raffleId: 'main' });
  // @ts-expect-error transfers need a recipient
  await client.transfers.create.mutate({ raffleId: 'main', from: 'alice', count: 1 });
  // @ts-expect-error the limit is a number
  await client.draws.list.query({ raffleId: 'main', limit: 'ten' });
  // @ts-expect-error the output has no such property
  const wrong: number = (await client.tickets.issue.mutate({ raffleId: 'main', username: 'alice', count: 3 })).ticketCount;
  // @ts-expect-error the winner's name is a string, not a number
  const winner: number = (await client.draws.create.mutate({ raffleId: 'main' })).username;
  // @ts-expect-error a participant page has no total
  const pageTotal: number = (await client.participants.list.query({ raffleId: 'main' })).total;
  // @ts-expect-error the client needs a URL
  createRaffleClient({ batch: false });
  void [wrong, winner, pageTotal];
}
`;

/** Wrong calls with no `@ts-expect-error`: tsc must report each marked line. */
const negativeSource = `\
import { createRaffleClient } from '@raffle/client';

const client = createRaffleClient({ url: 'http://127.0.0.1:3000' });

export async function unmarkedWrongCalls(): Promise<void> {
  await client.tickets.issue.mutate({ raffleId: 'main', username: 'alice', count: '3' }); // WRONG-INPUT
  const name: number = (await client.participants.get.query({ raffleId: 'main', username: 'alice' })).username; // WRONG-OUTPUT
  void name;
}
`;

/** Runs the installed bundle against a live server. */
const smokeSource = `\
import { createRaffleClient, reasonOf, TRPCClientError } from '@raffle/client';

const client = createRaffleClient({ url: process.argv[2] });
const [issued, raffle] = await Promise.all([
  client.tickets.issue.mutate({ raffleId: 'main', username: 'packed-alice', count: 3 }),
  client.raffles.get.query({ raffleId: 'main' }),
]);
let reason;
let isClientError = false;
try {
  await client.raffles.get.query({ raffleId: 'no-such-raffle' });
} catch (error) {
  reason = reasonOf(error);
  isClientError = error instanceof TRPCClientError;
}
console.log(JSON.stringify({ issued, raffleId: raffle.id, reason, isClientError }));
`;

function lineOf(source: string, marker: string): number {
  const index = source.split('\n').findIndex((line) => line.includes(marker));
  expect(index).toBeGreaterThanOrEqual(0);
  return index + 1;
}

describe('the packed @raffle/client package', () => {
  let packDir: string;
  let tarball: string;
  let packed: Map<string, Buffer>;

  beforeAll(async () => {
    packDir = mkdtempSync(path.join(os.tmpdir(), 'raffle-pack-'));
    const result = await npm(
      ['pack', '--workspace', 'client', '--pack-destination', packDir],
      repoRoot,
      packTimeoutMs,
    );
    expect(result.code, describeRun(result)).toBe(0);
    const tarballs = readdirSync(packDir).filter((name) => name.endsWith('.tgz'));
    expect(tarballs, describeRun(result)).toHaveLength(1);
    tarball = path.join(packDir, tarballs[0]!);
    packed = readTarball(tarball);
  }, hookTimeoutMs);

  afterAll(() => {
    if (packDir) rmSync(packDir, { recursive: true, force: true });
  });

  it('holds the built bundle, its declarations and the manifest, and no sources', () => {
    const names = [...packed.keys()].sort();
    expect(names).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/dist/index.js',
        'package/dist/index.d.ts',
      ]),
    );
    for (const name of names) {
      expect(name).toMatch(/^package\/(package\.json|README(\.md)?|LICENSE(\.md)?|dist\/.+)$/);
    }
    const manifest = JSON.parse(packed.get('package/package.json')!.toString('utf8'));
    expect(manifest.name).toBe('@raffle/client');
    expect(manifest.exports['.'].types).toBe('./dist/index.d.ts');
    expect(manifest.exports['.'].import).toBe('./dist/index.js');
    for (const range of Object.values<string>(manifest.dependencies)) {
      expect(range).not.toMatch(/^(file|link|workspace):/);
    }
  });

  it('ships a declaration file that stands alone', () => {
    const declarations = packed.get('package/dist/index.d.ts')!.toString('utf8');
    const manifest = JSON.parse(packed.get('package/package.json')!.toString('utf8'));
    const dependencies = Object.keys(manifest.dependencies ?? {});

    // The router's types are inlined rather than imported from the server.
    expect(declarations).toContain('createRaffleClient');
    expect(declarations).toMatch(/export type RaffleInputs\b/);
    expect(declarations).toMatch(/export type RaffleOutputs\b/);
    expect(declarations).toMatch(/export type AppRouter\b/);

    // No path into the repository's sources, and no relative import of any kind.
    expect(declarations).not.toContain('../src');
    expect(declarations).not.toMatch(/['"][^'"\n]*\/src\/[^'"\n]*['"]/);
    expect(declarations).not.toMatch(/import\(\s*['"]\.{1,2}\//);
    expect(declarations).not.toMatch(/<reference\s+path=/);

    // No server-only package.
    for (const name of ['trpc-to-openapi', 'express', 'zod']) {
      expect(declarations).not.toMatch(new RegExp(`['"]${name}(/[^'"]*)?['"]`));
    }

    // Whatever it imports is a dependency the package declares.
    const specifiers = moduleSpecifiers(declarations);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const specifier of specifiers) {
      expect(specifier, `import of ${specifier}`).not.toMatch(/^[./]/);
      expect(dependencies, `import of ${specifier}`).toContain(packageNameOf(specifier));
    }
  });

  describe('installed into a project outside the repository', () => {
    let consumerDir: string;
    let server: RunningServer | undefined;

    beforeAll(async () => {
      consumerDir = mkdtempSync(path.join(os.tmpdir(), 'raffle-consumer-'));
      expect(path.relative(repoRoot, consumerDir).startsWith('..')).toBe(true);
      writeFileSync(
        path.join(consumerDir, 'package.json'),
        `${JSON.stringify(consumerManifest, null, 2)}\n`,
      );
      const result = await npm(
        ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball],
        consumerDir,
        installTimeoutMs,
      );
      expect(result.code, describeRun(result)).toBe(0);
      writeFileSync(
        path.join(consumerDir, 'tsconfig.json'),
        `${JSON.stringify(consumerTsconfig, null, 2)}\n`,
      );
      writeFileSync(
        path.join(consumerDir, 'tsconfig.negative.json'),
        `${JSON.stringify({ extends: './tsconfig.json', files: ['negative.ts'] }, null, 2)}\n`,
      );
      writeFileSync(path.join(consumerDir, 'consumer.ts'), consumerSource);
      writeFileSync(path.join(consumerDir, 'negative.ts'), negativeSource);
      writeFileSync(path.join(consumerDir, 'smoke.mjs'), smokeSource);
    }, hookTimeoutMs);

    afterAll(async () => {
      await server?.close();
      if (consumerDir) rmSync(consumerDir, { recursive: true, force: true });
    });

    it('installs the packed declarations', () => {
      const installed = readFileSync(
        path.join(consumerDir, 'node_modules', '@raffle', 'client', 'dist', 'index.d.ts'),
        'utf8',
      );
      expect(installed).toBe(packed.get('package/dist/index.d.ts')!.toString('utf8'));
    });

    it(
      'type-checks correct calls and refuses every wrong one (strict, nodenext)',
      async () => {
        const result = await run(process.execPath, [tsc, '-p', consumerDir], consumerDir, 120_000);
        expect(result.code, describeRun(result)).toBe(0);
        expect(result.stdout).not.toMatch(/error TS/);
      },
      hookTimeoutMs,
    );

    it(
      'reports a wrong call that is not marked as expected',
      async () => {
        const result = await run(
          process.execPath,
          [tsc, '-p', path.join(consumerDir, 'tsconfig.negative.json'), '--pretty', 'false'],
          consumerDir,
          120_000,
        );
        expect(result.code, describeRun(result)).not.toBe(0);
        const reported = [...result.stdout.matchAll(/negative\.ts\((\d+),\d+\): error (TS\d+)/g)];
        const lines = new Set(reported.map((match) => Number(match[1])));
        expect(lines, describeRun(result)).toEqual(
          new Set([lineOf(negativeSource, 'WRONG-INPUT'), lineOf(negativeSource, 'WRONG-OUTPUT')]),
        );
        expect(result.stdout).not.toMatch(/node_modules/);
      },
      hookTimeoutMs,
    );

    it('runs the installed bundle against the real service', async () => {
      server = await startTestServer();
      const result = await run(
        process.execPath,
        [path.join(consumerDir, 'smoke.mjs'), server.url],
        consumerDir,
        60_000,
      );
      expect(result.code, describeRun(result)).toBe(0);
      expect(JSON.parse(result.stdout.trim())).toEqual({
        issued: { username: 'packed-alice', tickets: 3, totalTickets: 3 },
        raffleId: 'main',
        reason: 'raffle_not_found',
        isClientError: true,
      });
    }, 60_000);
  });
});
