/**
 * The audit log end to end, over HTTP, for every raffle kind: a service with a journal runs a
 * ledger raffle, a prize raffle and a campaign (draws with and without a beacon, claims, a
 * retried claim, coupons won and one redeemed) and snapshots on the way; the log read page by page
 * from `GET /api/audit/log` verifies, its draws are counted per kind, and it reaches the head and
 * digest `GET /api/audit/head` published; each draw's answer names the command, link and beacon
 * the export shows; the export holds no verification code, coupon code, phone number or client
 * address the run handed out or received; a restart (snapshot, then the journal's tail) continues
 * the same chain; bad ranges and a service without a log get their reasons; and the
 * `raffle-verify` command checks the export over HTTP and names a tampered line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditInitialLimits } from '../../src/audit/export.js';
import { verifyLines } from '../../src/audit/verify.js';
import { chainHash, genesisHash, type AuditEntry } from '../../src/engine/audit-chain.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import type { RunningServer } from '../../src/server/server.js';
import { request, startTestServer } from '../support/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'raffle-audit-e2e-'));
let running: RunningServer;
let url: string;
const secrets: string[] = [];
const drawAnswers: { kind: string; body: any }[] = [];
const phones = ['+6591234567', '+447911123456', '+14155550123', '+6598765432', '+33612345678'];
const address = (i: number) => `198.51.100.${i + 40}`;

function start() {
  return startTestServer({ durability: 'fsync', dataDir, snapshotEveryCommands: 25 });
}

async function ok(reply: Promise<{ status: number; body: any }>, status = 200) {
  const answer = await reply;
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  return answer.body;
}

/** Every page of the log joined into one export, as `raffle-verify --fetch` does. */
async function exportOf(base: string, limit: number): Promise<string[]> {
  const lines: string[] = [];
  for (let from = 1; ;) {
    const response = await fetch(`${base}/api/audit/log?from=${from}&limit=${limit}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const page = (await response.text()).trimEnd().split('\n');
    const trailer = JSON.parse(page.at(-1)!) as { more: boolean; seq: number };
    if (from === 1) lines.push(page[0]!);
    lines.push(...page.slice(1, -1));
    if (!trailer.more) {
      lines.push(page.at(-1)!);
      return lines;
    }
    from = trailer.seq + 1;
  }
}

beforeAll(async () => {
  running = await start();
  url = running.url;
  // Ledger: tickets, three draws, one with a beacon.
  await ok(request(url, 'POST', '/api/raffles', { id: 'lot', name: 'Lot' }), 201);
  for (const [i, name] of ['ann', 'bob', 'cy', 'dee'].entries()) {
    await ok(request(url, 'POST', '/api/raffles/lot/tickets', { username: name, count: i + 2 }));
  }
  for (const beacon of [undefined, 'drand:4242:9f1c', undefined]) {
    const body = await ok(
      request(url, 'POST', '/api/raffles/lot/draws', beacon === undefined ? undefined : { beacon }),
      201,
    );
    drawAnswers.push({ kind: 'ledger', body });
  }
  // Prize raffle: eight claims from eight addresses, one retried under its key, a draw.
  await ok(
    request(url, 'POST', '/api/prize-raffles', {
      id: 'gift',
      name: 'Gift',
      ticketCount: 8,
      prizes: [{ name: 'Bike' }, { name: 'Mug' }],
    }),
    201,
  );
  for (let i = 0; i < 8; i += 1) {
    const headers = { 'x-forwarded-for': address(i), 'idempotency-key': `claim-key-${i}-0001` };
    const claim = await ok(
      request(url, 'POST', '/api/prize-raffles/gift/entries', undefined, headers),
      201,
    );
    secrets.push(claim.verificationCode);
    if (i === 3) {
      const again = await ok(
        request(url, 'POST', '/api/prize-raffles/gift/entries', undefined, headers),
        201,
      );
      expect(again.verificationCode).toBe(claim.verificationCode);
    }
  }
  drawAnswers.push({
    kind: 'prize',
    body: await ok(
      request(url, 'POST', '/api/prize-raffles/gift/draws', { beacon: 'drand:4243:aa01' }),
      201,
    ),
  });
  // Campaign: every phone draws (most win), one coupon is redeemed.
  await ok(
    request(url, 'POST', '/api/campaigns', {
      id: 'fair',
      name: 'Fair',
      startsAt: '2020-01-01T00:00:00Z',
      endsAt: '2099-01-01T00:00:00Z',
      timeZone: 'UTC',
      prizes: [{ name: 'Voucher', probability: 0.9, quotaTotal: 100 }],
    }),
    201,
  );
  for (const [i, phone] of phones.entries()) {
    const body = await ok(
      request(url, 'POST', '/api/campaigns/fair/draws', {
        phone,
        ...(i === 0 ? { beacon: 'drand:4244:bb02' } : {}),
      }),
      201,
    );
    expect(body.phone).toBe(phone);
    if (body.coupon !== null) secrets.push(body.coupon.code);
    drawAnswers.push({ kind: 'campaign', body });
  }
  const won = drawAnswers.find((d) => d.kind === 'campaign' && d.body.coupon !== null);
  expect(won).toBeDefined();
  const redeemed = await ok(
    request(url, 'POST', '/api/campaigns/fair/redemptions', { couponCode: won!.body.coupon.code }),
  );
  expect(redeemed.phone).toBe(won!.body.phone);
});

afterAll(async () => {
  await running?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('audit log over HTTP', () => {
  let lines: string[];
  let head: { seq: number; head: string; stateDigest: { seq: number; sha256: string } };

  it('every kind: the export read page by page verifies and reaches the published head', async () => {
    head = await ok(request(url, 'GET', '/api/audit/head'));
    lines = await exportOf(url, 17);
    const report = verifyLines(lines, createKindRegistry(), auditInitialLimits);
    expect(report).toMatchObject({ ok: true, seq: head.seq, head: head.head });
    if (!report.ok) return;
    expect(report.draws).toEqual({ ledger: 3, prize: 1, campaign: phones.length });
    expect(report.beacons).toBe(3);
    if (head.stateDigest.seq === head.seq) expect(report.digest).toBe(head.stateDigest.sha256);
  });

  it('every draw answer names the command, link and beacon the export holds', () => {
    const bySeq = new Map(
      lines
        .map((line) => JSON.parse(line) as { seq?: number; entry?: any })
        .filter((line) => line.seq !== undefined)
        .map((line) => [line.seq, line.entry]),
    );
    for (const { kind, body } of drawAnswers) {
      const { randomness } = body;
      const entry = bySeq.get(randomness.seq);
      expect(entry.command).toMatchObject({ kind, type: 'draw' });
      expect(Buffer.from(entry.seed, 'base64').toString('hex')).toBe(randomness.link);
      expect(entry.command.beacon).toBe(randomness.beacon);
      expect(randomness.chain.index).toBeGreaterThan(0);
      const value = entry.outcome.value;
      if (kind === 'ledger') expect(value.username).toBe(body.username);
      if (kind === 'prize') expect(value.winners.length).toBe(body.winners.length);
      if (kind === 'campaign') expect(value.won).toBe(body.won);
    }
  });

  it('the export holds no code, phone number or client address the run handed out', () => {
    const text = lines.join('\n');
    expect(secrets.length).toBeGreaterThan(9);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.replaceAll('-', ''));
    }
    for (const phone of phones) {
      expect(text).not.toContain(phone);
      expect(text).not.toContain(phone.slice(1));
    }
    for (let i = 0; i < 8; i += 1) expect(text).not.toContain(address(i));
    expect(text).not.toContain('claim-key-');
    expect(text).toMatch(/"phone":"ph_[A-Za-z0-9_-]{22}"/);
  });

  it('every kind: an edited draw answer is named, even with every later hash redone', () => {
    for (const kind of ['ledger', 'prize', 'campaign']) {
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, any>);
      const index = parsed.findIndex(
        (line) => line.entry?.command.kind === kind && line.entry.command.type === 'draw',
      );
      const { value } = parsed[index]!.entry.outcome;
      if (kind === 'ledger') value.username = value.username === 'ann' ? 'bob' : 'ann';
      if (kind === 'prize') value.winners[0].ticketNumber = (value.winners[0].ticketNumber % 8) + 1;
      if (kind === 'campaign') value.won = !value.won;
      let hash = genesisHash;
      const forged = parsed.map((line) => {
        if (line.entry === undefined) return JSON.stringify(line);
        const prev = hash;
        hash = chainHash(hash, line.entry as AuditEntry);
        return JSON.stringify({ ...line, prev, hash });
      });
      expect(verifyLines(forged, createKindRegistry(), auditInitialLimits), kind).toMatchObject({
        ok: false,
        line: index + 1,
        seq: parsed[index]!.seq,
        reason: expect.stringContaining(`${kind}.draw: the export shows`),
      });
    }
  });

  it('no file of the data directory holds a code, a phone number or an address', () => {
    for (const name of readdirSync(dataDir)) {
      const bytes = readFileSync(join(dataDir, name));
      for (const secret of [...secrets, ...phones]) {
        expect(bytes.includes(secret), `${name} holds ${secret}`).toBe(false);
      }
      for (let i = 0; i < 8; i += 1) expect(bytes.includes(address(i)), name).toBe(false);
    }
  });

  it('bad ranges get 400 invalid_audit_range; a service without a log 409 audit_log_unavailable', async () => {
    for (const query of ['from=0', 'from=abc', 'limit=0', 'limit=100001', 'from=-1', 'limit=1.5']) {
      const reply = await request(url, 'GET', `/api/audit/log?${query}`);
      expect([reply.status, reply.body.reason], query).toEqual([400, 'invalid_audit_range']);
    }
    const post = await request(url, 'POST', '/api/audit/log');
    expect(post.status).toBe(405);
    const memory = await startTestServer();
    try {
      const reply = await request(memory.url, 'GET', '/api/audit/log');
      expect([reply.status, reply.body.reason]).toEqual([409, 'audit_log_unavailable']);
      expect((await request(memory.url, 'GET', '/api/audit/head')).body.seq).toBeGreaterThan(0);
    } finally {
      await memory.close();
    }
  });

  it('raffle-verify --fetch checks the export over HTTP, and names a tampered line in a file', async () => {
    const out = join(dataDir, '..', `audit-e2e-${process.pid}.ndjson`);
    // Run asynchronously: the service answering the fetch lives in this process.
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'src/audit/verify-cli.ts', ...args],
          { encoding: 'utf8', timeout: 60_000 },
          (error, stdout, stderr) =>
            resolve({ status: error === null ? 0 : (error.code as number | null), stdout, stderr }),
        );
      });
    try {
      const fetched = await cli('--fetch', url, '--out', out);
      expect(fetched.stderr).toBe('');
      expect(fetched.status).toBe(0);
      expect(fetched.stdout).toContain(`head hash: ${head.head}`);
      expect(fetched.stdout).toMatch(/draws per kind: ledger 3, prize 1, campaign 5/);
      const saved = readFileSync(out, 'utf8').trimEnd().split('\n');
      const index = saved.findIndex((line) => line.includes('"type":"draw"'));
      saved[index] = saved[index]!.replace(/"seed":"[^"]+"/, `"seed":"${'A'.repeat(43)}="`);
      writeFileSync(out, `${saved.join('\n')}\n`);
      const tampered = await cli(out);
      expect(tampered.status).toBe(1);
      expect(tampered.stderr).toMatch(new RegExp(`FAILED at line ${index + 1}, command \\d+: `));
    } finally {
      rmSync(out, { force: true });
    }
  });

  it('a restart from the snapshot and the journal tail continues the same chain', async () => {
    await running.close();
    running = await start();
    url = running.url;
    expect(running.journal?.recovery.snapshotSeq).toBeGreaterThan(0);
    const after = await ok(request(url, 'GET', '/api/audit/head'));
    const again = await exportOf(url, 100_000);
    // The records before the restart are the same, and the chain after it goes on from the head
    // published before it: the line of that command carries that hash.
    expect(again.slice(0, lines.length - 1)).toEqual(lines.slice(0, -1));
    const atHead = again.map((line) => JSON.parse(line)).find((line) => line.seq === head.seq);
    expect(atHead.hash).toBe(head.head);
    expect(after.seq).toBeGreaterThanOrEqual(head.seq);
    const report = verifyLines(again, createKindRegistry(), auditInitialLimits);
    expect(report).toMatchObject({ ok: true, head: after.head });
  });
});
