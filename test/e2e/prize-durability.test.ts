/**
 * Prize raffles across restarts, with a real data directory: no verification code or client
 * address appears in any file of it (journal, snapshots, key file); a restart that replays the
 * journal (as after a crash) and one that loads the shutdown snapshot both keep every raffle,
 * claim, winner and code, and a retried claim still gets its first ticket and code back.
 */
import { asListed } from '../support/randomness.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportLines, journalCommands } from '../../src/audit/export.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { secretFileName } from '../../src/server/server-secret.js';
import type { RunningServer } from '../../src/server/server.js';
import { request, startTestServer } from '../support/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'raffle-prize-durability-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function start(): Promise<RunningServer> {
  return startTestServer({ durability: 'fsync', dataDir, snapshotEveryCommands: 1_000_000 });
}

/** Stops answering and releases the directory without a final snapshot, as a crash would. */
async function crash(running: RunningServer): Promise<void> {
  running.server.closeAllConnections();
  await new Promise<void>((resolve) => running.server.close(() => resolve()));
  await running.journal?.abandon();
}

interface Claim {
  raffleId: string;
  ticketNumber: number;
  verificationCode: string;
}

const address = (i: number) => `198.51.100.${i + 10}`;
const retryKey = { 'idempotency-key': 'durable-retry-0001' };

/** Every file of the data directory, as bytes. */
function dataFiles(): { name: string; bytes: Buffer }[] {
  return readdirSync(dataDir).map((name) => ({ name, bytes: readFileSync(join(dataDir, name)) }));
}

function expectNoSecretsOnDisk(claims: Claim[]): void {
  const files = dataFiles();
  expect(files.some((f) => f.name.startsWith('journal-'))).toBe(true);
  for (const { name, bytes } of files) {
    for (const claim of claims) {
      expect(bytes.includes(claim.verificationCode), `${name} holds a code`).toBe(false);
    }
    for (let i = 0; i < 12; i += 1) {
      expect(bytes.includes(address(i)), `${name} holds an address`).toBe(false);
    }
  }
}

describe('prize raffles across restarts', () => {
  let claims: Claim[] = [];
  let retried: Claim;
  let winners: unknown;

  it('writes no code and no address to the data directory', async () => {
    const running = await start();
    try {
      const url = running.url;
      await request(url, 'POST', '/api/prize-raffles', {
        id: 'kept',
        name: 'Kept',
        ticketCount: 10,
        prizes: [{ name: 'Bike' }, { name: 'Mug' }],
      });
      await request(url, 'POST', '/api/prize-raffles', {
        id: 'half',
        name: 'Half',
        ticketCount: 6,
        prizes: [{ name: 'Pen' }],
      });
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          request(url, 'POST', '/api/prize-raffles/kept/entries', undefined, {
            'x-forwarded-for': address(i),
          }),
        ),
      );
      claims = replies.map((reply) => reply.body as Claim);
      const retry = await request(url, 'POST', '/api/prize-raffles/half/entries', undefined, {
        'x-forwarded-for': address(10),
        ...retryKey,
      });
      expect(retry.status).toBe(201);
      retried = retry.body as Claim;
      const draw = await request(url, 'POST', '/api/prize-raffles/kept/draws');
      expect(draw.status).toBe(201);
      winners = asListed(draw.body);
      expectNoSecretsOnDisk([...claims, retried]);
      const key = statSync(join(dataDir, secretFileName));
      expect(key.mode & 0o777).toBe(0o600);
    } finally {
      await crash(running);
    }
  });

  /** What a restarted service must still answer. */
  async function expectEverythingKept(url: string): Promise<void> {
    const kept = await request(url, 'GET', '/api/prize-raffles/kept');
    expect(kept.body).toMatchObject({ ticketsClaimed: 10, status: 'drawn' });
    expect((await request(url, 'GET', '/api/prize-raffles/kept/winners')).body).toEqual(winners);
    for (const claim of claims) {
      const verified = await request(url, 'POST', '/api/prize-raffles/kept/verifications', claim);
      expect(verified.status).toBe(200);
    }
    const again = await request(url, 'POST', '/api/prize-raffles/half/entries', undefined, {
      'x-forwarded-for': address(10),
      ...retryKey,
    });
    expect([again.status, again.body]).toEqual([201, retried]);
    const twice = await request(url, 'POST', '/api/prize-raffles/kept/entries', undefined, {
      'x-forwarded-for': address(0),
    });
    expect(twice.body.reason).toBe('already_participated');
  }

  it('a restart that replays the journal keeps raffles, claims, winners and codes', async () => {
    const running = await start();
    try {
      expect(dataFiles().some((f) => f.name.startsWith('snapshot-'))).toBe(false);
      await expectEverythingKept(running.url);
      // Claims go on where they stopped: the remaining tickets of 'half', none twice.
      const more = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          request(running.url, 'POST', '/api/prize-raffles/half/entries', undefined, {
            'x-forwarded-for': address(i),
          }),
        ),
      );
      const numbers = [retried.ticketNumber, ...more.map((r) => r.body.ticketNumber as number)];
      expect(numbers.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await running.close();
    }
  });

  it('the audit export shows who got which ticket, never a code, a seal or an address', () => {
    const limits = { rafflesMax: 10_000, participantsPerRaffleMax: 16_000_000 };
    const lines = [...exportLines(journalCommands(dataDir), createKindRegistry(), limits)];
    const text = lines.join('\n');
    for (const claim of [...claims, retried]) expect(text).not.toContain(claim.verificationCode);
    for (let i = 0; i < 12; i += 1) expect(text).not.toContain(address(i));
    const outcomes = lines
      .map((line) => JSON.parse(line) as { entry?: { outcome?: { ok: boolean; value?: unknown } } })
      .flatMap((line) => (line.entry?.outcome === undefined ? [] : [line.entry.outcome]));
    const tickets = outcomes
      .map((outcome) => outcome.value as { ticketNumber?: number; sealedCode?: string } | undefined)
      .filter((value) => value?.ticketNumber !== undefined);
    expect(tickets.length).toBeGreaterThanOrEqual(claims.length + 1);
    for (const value of tickets) expect(value).not.toHaveProperty('sealedCode');
  });

  it('a restart from the shutdown snapshot keeps everything, and the snapshot holds no code', async () => {
    expect(dataFiles().some((f) => f.name.startsWith('snapshot-'))).toBe(true);
    expectNoSecretsOnDisk([...claims, retried]);
    const running = await start();
    try {
      await expectEverythingKept(running.url);
      const half = await request(running.url, 'GET', '/api/prize-raffles/half');
      expect(half.body).toMatchObject({ ticketsClaimed: 6, status: 'sold_out' });
    } finally {
      await running.close();
    }
  });
});
