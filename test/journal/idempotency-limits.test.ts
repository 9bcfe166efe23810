/**
 * Idempotency at its limits: a service holding the largest idempotency state its limits allow
 * snapshots, stops and starts again with every kept answer; keyed bulk requests of
 * `BULK_ITEMS_MAX` items over HTTP survive restarts, memory stays within `IDEMPOTENCY_BYTES_MAX`,
 * and an answer too large to keep is refused on retry, never applied twice; and the defaults'
 * arithmetic holds (the largest bulk answer fits, and no snapshot record can pass its bound).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  bulkItemsMaxDefault,
  idempotencyAnswerBytesMaxDefault,
  idempotencyBytesMaxDefault,
  idempotencyKeysMaxDefault,
  idempotencyRecordOverheadBytes,
  journalRecordBytesMax,
  snapshotRecordFillBytes,
  usernameLengthMax,
} from '../../src/config/limits.js';
import type { Outcome } from '../../src/engine/commands.js';
import { listSnapshots } from '../../src/journal/files.js';
import { scanRecords } from '../../src/journal/framing.js';
import { Journal } from '../../src/journal/journal.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { readFileSync } from 'node:fs';
import { newStateMachine, submitTo, type LedgerMutation } from '../support/ledger-commands.js';
import { request, startTestServer } from '../support/server.js';
import { temporaryDirectories } from '../support/temp-dirs.js';

const tempDir = temporaryDirectories('raffle-idempotency-');

const limits = {
  rafflesMax: 5,
  participantsPerRaffleMax: 10_000,
  idempotencyKeysMax: 60,
  idempotencyTtlMs: 10 * 86_400_000,
  idempotencyBytesMax: 64 * 1024,
  idempotencyAnswerBytesMax: 12 * 1024,
};

async function openService(dataDir: string) {
  const journal = await Journal.open({
    dataDir,
    snapshotEveryCommands: 25,
    snapshotEveryBytes: 2 ** 40,
    logger: pino({ level: 'silent' }),
    initialLimits: limits,
    registry: createKindRegistry(),
  });
  const engine = await startRaffleEngine({
    ...limits,
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    queueLengthMax: 1_000,
    batchSizeMax: 100,
    log: journal,
    stateMachine: journal.stateMachine,
  });
  return { journal, engine };
}

/** A keyed bulk issue of `size` items: its answer is about 60 bytes an item. */
function bulk(key: number, size: number): LedgerMutation {
  const items = Array.from({ length: size }, (_, i) => ({
    username: `p${(key + i) % 500}`,
    count: 1,
  }));
  return { type: 'issueBulk', raffleId: 'main', items, idempotencyKey: `k1:bulk-${key}` };
}

describe('the largest idempotency state the limits allow', () => {
  it('snapshots, stops and starts again with every kept answer, within the byte bound', async () => {
    const dataDir = tempDir();
    let service = await openService(dataDir);
    const answers = new Map<number, Outcome<unknown>>();
    for (let key = 0; key < 90; key += 1) {
      // Sizes from a handful of items to past the per-answer bound (12 KiB is ~200 items).
      const outcome = await submitTo(service.engine, bulk(key, 5 + ((key * 53) % 260)));
      answers.set(key, outcome);
      const machine = service.journal.stateMachine;
      expect(machine.idempotencyBytes).toBeLessThanOrEqual(limits.idempotencyBytesMax);
      expect(machine.idempotencyRecordCount).toBeLessThanOrEqual(limits.idempotencyKeysMax);
    }
    // Full: no room left for one more answer of the largest size kept.
    const full = service.journal.stateMachine;
    expect(full.idempotencyBytes).toBeGreaterThan(
      limits.idempotencyBytesMax -
        limits.idempotencyAnswerBytesMax -
        idempotencyRecordOverheadBytes,
    );
    expect(service.journal.stats.snapshots).toBeGreaterThan(1);
    const kept = [...full.image().idempotency].map(([key, record]) => ({
      key: Number(key.slice('k1:bulk-'.length)),
      tooLarge: record.answer === undefined,
    }));
    expect(kept.some((record) => record.tooLarge)).toBe(true);
    let live = full.digestText();
    const tickets = await submitTo(service.engine, { type: 'getRaffle', raffleId: 'main' });
    await service.engine.close();

    // Every snapshot record is within the fill bound or holds one row of a bounded answer.
    const newest = listSnapshots(dataDir).at(-1)!;
    for (const payload of scanRecords(readFileSync(newest.path)).payloads) {
      expect(payload.length).toBeLessThanOrEqual(snapshotRecordFillBytes);
    }

    for (let restart = 0; restart < 2; restart += 1) {
      service = await openService(dataDir);
      expect(service.journal.recovery.replayed).toBe(0);
      expect(service.journal.stateMachine.digestText()).toBe(live);
      for (const { key, tooLarge } of kept) {
        const retried = await submitTo(service.engine, bulk(key, 5 + ((key * 53) % 260)));
        if (tooLarge) {
          expect(retried).toMatchObject({ ok: false, reason: 'idempotency_answer_too_large' });
        } else {
          expect(retried, `key ${key}`).toEqual(answers.get(key));
        }
      }
      // Retries are answered, never applied again.
      expect(await submitTo(service.engine, { type: 'getRaffle', raffleId: 'main' })).toEqual(
        tickets,
      );
      live = service.journal.stateMachine.digestText();
      await service.engine.close();
    }
  });

  it("the defaults' arithmetic: the largest bulk answer is kept, and no record passes its bound", () => {
    // A transfer bulk of BULK_ITEMS_MAX items between the longest usernames of four-byte
    // characters answers the most bytes a ledger request can.
    const machine = newStateMachine({ rafflesMax: 1, participantsPerRaffleMax: 16_000_000 });
    const name = (i: number) => `${'𝔘'.repeat(usernameLengthMax - 5)}${String(i).padStart(5, '0')}`;
    let seq = 0;
    const apply = (command: Record<string, unknown>, seed?: Uint8Array) =>
      machine.apply({
        seq: ++seq,
        atMs: 1,
        seed,
        command: { kind: 'ledger', ...command } as never,
      });
    apply({ type: 'createRaffle', id: 'main', name: 'Main' }, new Uint8Array(16));
    apply({
      type: 'issue',
      raffleId: 'main',
      username: name(99_999),
      count: Number.MAX_SAFE_INTEGER - 1,
    });
    const items = Array.from({ length: bulkItemsMaxDefault }, (_, i) => ({
      from: name(99_999),
      to: name(i),
      count: 1,
    }));
    const command = { type: 'transferBulk', raffleId: 'main', items, idempotencyKey: 'k1:big' };
    const first = apply(command);
    const retry = apply(command);
    expect(retry).toEqual(first);
    const [, record] = [...machine.image().idempotency][0]!;
    expect(record.answer).toBeDefined();
    expect(record.answerBytes).toBeLessThanOrEqual(idempotencyAnswerBytesMaxDefault);
    expect(record.answerBytes).toBeGreaterThan(idempotencyAnswerBytesMaxDefault / 4);
    // A kept answer fits the byte bound, and the count bound binds before the byte bound for
    // small answers; a snapshot row (its answer escaped at worst to twice its size) fits a record.
    expect(idempotencyAnswerBytesMaxDefault + idempotencyRecordOverheadBytes).toBeLessThanOrEqual(
      idempotencyBytesMaxDefault,
    );
    expect(idempotencyKeysMaxDefault * idempotencyRecordOverheadBytes).toBeLessThan(
      idempotencyBytesMaxDefault,
    );
    expect(2 * idempotencyAnswerBytesMaxDefault + 4 * idempotencyRecordOverheadBytes).toBeLessThan(
      journalRecordBytesMax,
    );
  });
});

describe('keyed bulk requests at BULK_ITEMS_MAX, with restarts', () => {
  it(
    'answer their first answers across restarts, within the byte bound, and too large ones are refused',
    { timeout: 180_000 },
    async () => {
      const dataDir = tempDir();
      const config = {
        durability: 'fsync' as const,
        dataDir,
        idempotencyBytesMax: 4 * 1_048_576,
        idempotencyAnswerBytesMax: 1_048_576,
        snapshotEveryCommands: 3,
      };
      const items = (round: number) =>
        Array.from({ length: bulkItemsMaxDefault }, (_, i) => ({
          username: `user-${round}-${i % 2_000}`,
          count: 1,
        }));
      const sent: { key: string; body: unknown; answer: unknown }[] = [];
      let server = await startTestServer(config);
      for (let round = 0; round < 9; round += 1) {
        const body = { items: items(round) };
        const answer = await request(server.url, 'POST', '/api/raffles/main/tickets/bulk', body, {
          'Idempotency-Key': `bulk-${round}`,
        });
        expect(answer.status).toBe(200);
        sent.push({ key: `bulk-${round}`, body, answer: answer.body });
        if (round % 3 === 2) {
          expect(server.engine.stateMachine.idempotencyBytes).toBeLessThanOrEqual(4 * 1_048_576);
          await server.close();
          server = await startTestServer(config);
          // The newest answers are kept (each is ~700 KB: five fit in 4 MiB).
          for (const { key, body: again, answer: first } of sent.slice(-3)) {
            const retried = await request(
              server.url,
              'POST',
              '/api/raffles/main/tickets/bulk',
              again,
              {
                'Idempotency-Key': key,
              },
            );
            expect(retried.body, key).toEqual(first);
          }
        }
      }
      const before = await request(server.url, 'GET', '/api/raffles/main');
      // A bulk answer over IDEMPOTENCY_ANSWER_BYTES_MAX: applied once, its retries refused.
      // (About 115 bytes of answer an item against 85 of request, so the body stays under 1 MiB.)
      const long = (i: number) => `${'n'.repeat(55)}${String(i).padStart(5, '0')}`;
      const large = {
        items: Array.from({ length: bulkItemsMaxDefault }, (_, i) => ({
          username: long(i),
          count: 1,
        })),
      };
      const first = await request(server.url, 'POST', '/api/raffles/main/tickets/bulk', large, {
        'Idempotency-Key': 'too-large',
      });
      expect(first.status).toBe(200);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const retried = await request(server.url, 'POST', '/api/raffles/main/tickets/bulk', large, {
          'Idempotency-Key': 'too-large',
        });
        expect(retried.status).toBe(409);
        expect(retried.body).toMatchObject({ reason: 'idempotency_answer_too_large' });
        await server.close();
        server = await startTestServer(config);
      }
      const after = await request(server.url, 'GET', '/api/raffles/main');
      expect(after.body.totalTickets).toBe(before.body.totalTickets + bulkItemsMaxDefault);
      await server.close();
    },
  );
});
