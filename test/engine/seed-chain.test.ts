/**
 * Committed randomness: the links of a seed chain hash back to its anchor, the queue journals a
 * chain's commitment before its first link, the state machine refuses a log whose seeds do not
 * follow the commitment, a beacon value changes the bytes a command gets, and a restarted service
 * resumes its chain from the secret it kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { StampedCommand } from '../../src/engine/commands.js';
import {
  effectiveSeed,
  SeedChain,
  SeedChainBuilder,
  SeedChainSource,
  seedProblem,
  sha256,
} from '../../src/engine/seed-chain.js';
import { Journal } from '../../src/journal/journal.js';
import { ledgerKind } from '../../src/kinds/ledger/kind.js';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { startRaffleEngine } from '../../src/kinds/start-engine.js';
import { HkdfSecretKeys } from '../../src/server/hkdf-secret-keys.js';
import { seedSourceFor } from '../../src/server/seed-chains.js';
import { newStateMachine } from '../support/ledger-commands.js';
import { RecordingLog } from '../support/server.js';

const limits = { rafflesMax: 10, participantsPerRaffleMax: 100 };
const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function engineWith(seeds: SeedChainSource, log = new RecordingLog()) {
  const engine = await startRaffleEngine({
    ...limits,
    defaultRaffleId: 'main',
    defaultRaffleName: 'Main',
    queueLengthMax: 100,
    batchSizeMax: 10,
    log,
    seeds,
  });
  await engine.submit(ledgerKind.commands.issue, { raffleId: 'main', username: 'a', count: 50 });
  return { engine, log };
}

describe('seed chain', () => {
  it('chain: every link hashes to the one before it, the first to the anchor', () => {
    const secret = Buffer.alloc(32, 7);
    const chain = new SeedChain(secret, 5);
    let previous = chain.anchor;
    for (let i = 0; i < 5; i += 1) {
      const link = chain.take() as Uint8Array;
      expect(sha256(link).equals(previous)).toBe(true);
      previous = Buffer.from(link);
    }
    expect(previous.equals(secret)).toBe(true);
    expect(chain.take()).toBeUndefined();
    // Resuming after two links hands out the third.
    const resumed = new SeedChain(secret, 5, 2);
    const again = new SeedChain(secret, 5);
    again.take();
    again.take();
    expect(resumed.take()).toEqual(again.take());
  });

  it('chain: hands out what a chain built link by link would, from any resume point', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc
          .integer({ min: 1, max: 40 })
          .chain((length) => fc.tuple(fc.constant(length), fc.integer({ min: 0, max: length }))),
        (secretBytes, [length, used]) => {
          const secret = Buffer.from(secretBytes);
          // The reference: an array of links, each hashed from the one after it.
          const links: Buffer[] = [secret];
          for (let i = 0; i < length; i += 1) links.unshift(sha256(links[0] as Buffer));
          const chain = new SeedChain(secret, length, used);
          expect(chain.anchor.toString('hex')).toBe((links[0] as Buffer).toString('hex'));
          const taken: string[] = [];
          for (let link = chain.take(); link !== undefined; link = chain.take()) {
            taken.push(Buffer.from(link).toString('hex'));
            link.fill(0); // a caller's copy: changing it leaves the chain as it was
          }
          expect(taken).toEqual(links.slice(used + 1).map((link) => link.toString('hex')));
          expect(chain.remaining).toBe(0);
          expect(new SeedChain(secret, length, used).take()).toEqual(
            used < length ? new Uint8Array(links[used + 1] as Buffer) : undefined,
          );
        },
      ),
      { seed: 20_261_130, numRuns: 200 },
    );
  });

  it('builder: links computed in slices of any size are the links computed in one go', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 30 }),
        (secretBytes, length, slices) => {
          const secret = Buffer.from(secretBytes);
          const builder = new SeedChainBuilder(secret, length);
          let pending = length;
          for (const slice of slices) {
            const done = builder.step(slice);
            pending = Math.max(0, pending - slice);
            expect(builder.pending).toBe(pending);
            expect(done).toBe(pending === 0);
          }
          const chain = builder.finish(1);
          const whole = new SeedChain(secret, length, 1);
          expect(chain.anchor).toEqual(whole.anchor);
          expect(chain.take()).toEqual(whole.take());
        },
      ),
      { seed: 20_261_201, numRuns: 200 },
    );
  });

  it('source: the next chain is computed ahead in slices, and hands out the links a chain made at the switch would', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        // Before each take, how many of the queued slices run (as turns of the event loop would).
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        (length, sliceLinks, turns, startWithChain) => {
          const secretOf = (k: number) => sha256(Buffer.from(`chain ${k}`));
          let made = 0;
          const queued: (() => void)[] = [];
          const newChain = (chainLength: number) => {
            made += 1;
            return new SeedChainBuilder(secretOf(made), chainLength, `n${made}`);
          };
          const first = startWithChain ? new SeedChain(secretOf(0), length, 0, 'n0') : undefined;
          const source = new SeedChainSource(first, length, newChain, {
            sliceLinks,
            schedule: (slice) => queued.push(slice),
          });
          // Nothing is made ahead while a fresh chain is in use; with none, the first is.
          expect(queued.length).toBe(startWithChain ? 0 : 1);

          // The reference: chains in the order made, each link by link, handed out in order.
          const expected: { seed: string; commit?: string }[] = [];
          for (let k = startWithChain ? 0 : 1; expected.length < turns.length; k += 1) {
            const links: Buffer[] = [secretOf(k)];
            for (let i = 0; i < length; i += 1) links.unshift(sha256(links[0] as Buffer));
            links.slice(1).forEach((link, i) => {
              const commit = i === 0 && k > 0 ? (links[0] as Buffer).toString('hex') : undefined;
              expected.push({ seed: link.toString('hex'), ...(commit ? { commit } : {}) });
            });
          }

          const seen: { seed: string; commit?: string }[] = [];
          let remaining = startWithChain ? length : 0;
          let switches = 0;
          for (const runs of turns) {
            for (let i = 0; i < runs && queued.length > 0; i += 1) (queued.shift() as () => void)();
            const switching = remaining === 0;
            // Every slice queued has run: the chain switched to needs no hashing at the switch.
            if (switching && queued.length === 0) expect(source.pending).toBe(0);
            const { seed, commit } = source.take();
            seen.push({
              seed: Buffer.from(seed).toString('hex'),
              ...(commit ? { commit: commit.anchor } : {}),
            });
            if (switching) {
              switches += 1;
              remaining = length;
              expect(commit?.nonce).toBe(`n${switches}`);
            }
            remaining -= 1;
            // A next chain is made exactly once the one in use is half spent.
            expect(made).toBe(switches + (remaining * 2 <= length ? 1 : 0));
          }
          expect(seen).toEqual(expected.slice(0, turns.length));
        },
      ),
      { seed: 20_261_202, numRuns: 300 },
    );
  });

  it('queue: a chain is committed in the log before its first link, and a new one when spent', async () => {
    const { engine, log } = await engineWith(new SeedChainSource(undefined, 3));
    for (let i = 0; i < 7; i += 1)
      await engine.submit(ledgerKind.commands.draw, { raffleId: 'main' });
    const types = log.commands.map((stamped) => stamped.command.type);
    // createRaffle (the default raffle) is the first seeded command.
    expect(types.filter((type) => type === 'commitSeeds')).toHaveLength(3);
    const commits = log.commands.filter((stamped) => stamped.command.type === 'commitSeeds');
    let commitment = { anchor: '', length: 0, nonce: '', used: 0, last: '' };
    for (const stamped of log.commands) {
      if (stamped.command.type === 'commitSeeds') {
        const anchor = stamped.command.anchor as string;
        commitment = { anchor, length: 3, nonce: '', used: 0, last: anchor };
      } else if (stamped.seed !== undefined) {
        expect(seedProblem(commitment, stamped.seed)).toBeUndefined();
        commitment.used += 1;
        commitment.last = Buffer.from(stamped.seed).toString('hex');
      }
    }
    expect(new Set(commits.map((stamped) => stamped.command.anchor)).size).toBe(3);
    // A replay of the log reaches the same state, the chain's position included.
    const replay = newStateMachine(limits);
    for (const stamped of log.commands) replay.apply(stamped);
    expect(replay.digestText()).toBe(engine.stateMachine.digestText());
    expect(replay.seedCommitment).toEqual(engine.stateMachine.seedCommitment);
    await engine.close();
  });

  it('state machine: a seed that is not the next link stops the replay, naming the chain', async () => {
    const { engine, log } = await engineWith(new SeedChainSource(undefined, 10));
    await engine.submit(ledgerKind.commands.draw, { raffleId: 'main' });
    await engine.submit(ledgerKind.commands.draw, { raffleId: 'main' });
    await engine.close();
    const drawAt = log.commands.findLastIndex((stamped) => stamped.command.type === 'draw');
    for (const tamper of ['other bytes', 'skipped link'] as const) {
      const commands: StampedCommand[] = log.commands.map((stamped) => ({ ...stamped }));
      const target = commands[drawAt] as StampedCommand;
      target.seed =
        tamper === 'other bytes'
          ? new Uint8Array(32).fill(1)
          : (commands.find((stamped, i) => i > drawAt && stamped.seed !== undefined)?.seed ??
            sha256(Buffer.from('not a link')));
      const replay = newStateMachine(limits);
      expect(() => {
        for (const stamped of commands) replay.apply(stamped);
      }).toThrow(/is not the next link of the chain committed as [0-9a-f]{64}/);
    }
  });

  it('beacon: a public value mixed into a link changes the bytes, the same way every time', () => {
    const link = sha256(Buffer.from('link'));
    expect(effectiveSeed(link, undefined)).toBe(link);
    const a = effectiveSeed(link, 'drand:1234:abcdef');
    expect(Buffer.from(a).equals(link)).toBe(false);
    expect(effectiveSeed(link, 'drand:1234:abcdef')).toEqual(a);
    expect(effectiveSeed(link, 'drand:1235:abcdef')).not.toEqual(a);
  });

  it('restart: the service derives its chain again from the server secret, or commits a new one under another', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'raffle-seeds-'));
    directories.push(dataDir);
    const open = () =>
      Journal.open({
        dataDir,
        snapshotEveryCommands: 1_000_000,
        snapshotEveryBytes: 2 ** 40,
        logger: pino({ level: 'silent' }),
        initialLimits: limits,
        registry: createKindRegistry(),
      });
    const run = async (draws: number, keys = new HkdfSecretKeys(Buffer.alloc(32, 5))) => {
      const journal = await open();
      const log = new RecordingLog();
      const tee = {
        append: (batch: readonly StampedCommand[]) => {
          log.append(batch);
          return journal.append(batch);
        },
        close: () => journal.close(),
      };
      const seeds = seedSourceFor(keys, journal.stateMachine.seedCommitment);
      const engine = await startRaffleEngine({
        ...limits,
        defaultRaffleId: 'main',
        defaultRaffleName: 'Main',
        queueLengthMax: 100,
        batchSizeMax: 10,
        log: tee,
        stateMachine: journal.stateMachine,
        seeds,
      });
      await engine.submit(ledgerKind.commands.issue, { raffleId: 'main', username: 'a', count: 9 });
      for (let i = 0; i < draws; i += 1) {
        await engine.submit(ledgerKind.commands.draw, { raffleId: 'main' });
      }
      const commitment = engine.stateMachine.seedCommitment;
      await engine.close();
      return { log, commitment };
    };
    const first = await run(2);
    const second = await run(2);
    expect(second.log.commands.some((stamped) => stamped.command.type === 'commitSeeds')).toBe(
      false,
    );
    expect(second.commitment?.anchor).toBe(first.commitment?.anchor);
    expect(second.commitment?.used).toBe((first.commitment?.used ?? 0) + 2);
    const third = await run(1, new HkdfSecretKeys(Buffer.alloc(32, 6)));
    expect(
      third.log.commands.filter((stamped) => stamped.command.type === 'commitSeeds'),
    ).toHaveLength(1);
    expect(third.commitment?.anchor).not.toBe(first.commitment?.anchor);
  });
});
