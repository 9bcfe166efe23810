/**
 * The offline verifier: checks an audit export line by line and replays it with the service's own
 * state machine and kinds, needing no network and no running service.
 *
 * It checks that each record's `prev` is the hash of the record before it (nothing removed,
 * inserted or reordered), that each record's `hash` matches its content (nothing edited), that
 * every command is one the kinds know, that every seed is the next link of the chain committed
 * earlier in the log (`seed-chain.ts`: no seed picked after the fact), that every answer the export
 * shows is the answer the replay gives (no winner edited), and that the trailer's head hash and
 * state digest are the ones the replay reaches (nothing cut). The first failure is reported with
 * its line, its command's sequence number where there is one, and why.
 */
import type { KindRegistry } from '../engine/kind.js';
import { StateMachine, type StateMachineLimits } from '../engine/state-machine.js';
import { decodeBatch } from '../journal/codec.js';
import { chainHash, genesisHash } from './chain.js';
import { auditFormat, exportedOutcome, type ExportedOutcome } from './export.js';

export type VerifyReport =
  | {
      ok: true;
      records: number;
      commands: number;
      /** Commands that took random bytes, by `kind.type`: draws, claims, generated ids. */
      seeded: Record<string, number>;
      /** Seeded commands that mixed in a public beacon value. */
      beacons: number;
      seedChains: number;
      seq: number;
      head: string;
      digest: string;
    }
  | { ok: false; line: number; seq?: number | undefined; reason: string };

interface RecordLine {
  prev?: unknown;
  hash?: unknown;
  record?: unknown;
  outcomes?: unknown;
  end?: unknown;
  records?: unknown;
  seq?: unknown;
  head?: unknown;
  digest?: unknown;
}

class Failure extends Error {
  constructor(
    message: string,
    readonly seq?: number,
  ) {
    super(message);
  }
}

export function verifyLines(
  lines: Iterable<string>,
  registry: KindRegistry,
  limits: StateMachineLimits,
): VerifyReport {
  const machine = new StateMachine(registry, limits);
  let hash = genesisHash;
  let lineNumber = 0;
  let records = 0;
  let commands = 0;
  let beacons = 0;
  let seedChains = 0;
  const seeded: Record<string, number> = {};
  let trailer: RecordLine | undefined;
  try {
    for (const text of lines) {
      lineNumber += 1;
      if (text.trim() === '') continue;
      if (trailer !== undefined) throw new Failure('lines follow the trailer');
      let line: RecordLine;
      try {
        line = JSON.parse(text) as RecordLine;
      } catch {
        throw new Failure('the line is not JSON: the file is damaged or cut short');
      }
      if (lineNumber === 1) {
        const header = line as { audit?: unknown; genesis?: unknown };
        if (header.audit !== auditFormat || header.genesis !== genesisHash.toString('hex')) {
          throw new Failure(`not an audit export of format ${auditFormat}`);
        }
        continue;
      }
      if (line.end === true) {
        trailer = line;
        continue;
      }
      records += 1;
      if (line.prev !== hash.toString('hex')) {
        throw new Failure(
          `record ${records}: its prev hash is not the hash of the record before it (a record was removed, inserted or reordered)`,
        );
      }
      const payload = Buffer.from(JSON.stringify(line.record));
      hash = chainHash(hash, payload);
      if (line.hash !== hash.toString('hex')) {
        throw new Failure(
          `record ${records}: its hash does not match its content (the record was edited)`,
        );
      }
      const shown = Array.isArray(line.outcomes) ? (line.outcomes as ExportedOutcome[]) : [];
      let shownIndex = 0;
      let batch;
      try {
        batch = decodeBatch(payload);
      } catch (error) {
        throw new Failure(`record ${records}: ${(error as Error).message}`);
      }
      for (const stamped of batch) {
        if (stamped.seq <= machine.appliedSeq) continue;
        const problem = machine.problemWith(stamped.command);
        if (problem !== undefined) throw new Failure(problem, stamped.seq);
        if (stamped.seq !== machine.appliedSeq + 1) {
          throw new Failure(
            `command ${stamped.seq} follows command ${machine.appliedSeq}`,
            stamped.seq,
          );
        }
        let outcome;
        try {
          outcome = machine.apply(stamped);
        } catch (error) {
          throw new Failure(
            (error as Error).message.replace(/^state machine assertion failed: /, ''),
            stamped.seq,
          );
        }
        commands += 1;
        const { kind, type } = stamped.command;
        if (kind === 'engine' && type === 'commitSeeds') seedChains += 1;
        if (stamped.seed === undefined) continue;
        seeded[`${kind}.${type}`] = (seeded[`${kind}.${type}`] ?? 0) + 1;
        if (typeof stamped.command.beacon === 'string') beacons += 1;
        const expected = JSON.stringify(
          exportedOutcome(machine, stamped.seq, stamped.command, outcome),
        );
        const claimed = JSON.stringify(shown[shownIndex]);
        shownIndex += 1;
        if (claimed !== expected) {
          throw new Failure(
            `${kind}.${type}: the export shows ${claimed ?? 'no answer'}, the replay gives ${expected}`,
            stamped.seq,
          );
        }
      }
      if (shownIndex !== shown.length) {
        throw new Failure(
          `record ${records}: the export shows answers for commands it does not hold`,
        );
      }
    }
    if (trailer === undefined)
      throw new Failure('the export ends without its trailer: it was cut short');
    const digest = machine.digest();
    const head = hash.toString('hex');
    if (trailer.records !== records || trailer.seq !== machine.appliedSeq) {
      throw new Failure(
        `the trailer counts ${String(trailer.records)} records up to command ${String(trailer.seq)}, the export holds ${records} up to ${machine.appliedSeq}`,
      );
    }
    if (trailer.head !== head)
      throw new Failure(`the trailer's head hash is not the chain's (${head})`);
    if (trailer.digest !== digest)
      throw new Failure(`the trailer's state digest is not the replay's (${digest})`);
    return {
      ok: true,
      records,
      commands,
      seeded,
      beacons,
      seedChains,
      seq: machine.appliedSeq,
      head,
      digest,
    };
  } catch (error) {
    if (error instanceof Failure)
      return { ok: false, line: lineNumber, seq: error.seq, reason: error.message };
    throw error;
  }
}
