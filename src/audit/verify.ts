/**
 * The offline verifier: checks an audit export (`export.ts`) line by line and replays it with the
 * service's own state machine and kinds, needing no network and no running service.
 *
 * For every line it checks, in this order: that it is the next command (nothing dropped, nothing
 * swapped), that its `prev` is the head so far and its `hash` the hash of its entry (nothing
 * edited: the entry holds the command, its seed and its public answer), that the command is one
 * the kinds know, that its seed is the next link of the chain committed earlier in the log
 * (`src/engine/seed-chain.ts`: no seed picked after the fact), and that the answer the entry
 * shows is the one the replay gives (no winner edited, even with every hash after it redone).
 * At the end the trailer's head hash and state digest must be the replay's (nothing cut). The
 * first failure is reported with its line, its command's sequence number and why.
 */
import { canonicalJson, chainHash, genesisHash, type AuditEntry } from '../engine/audit-chain.js';
import type { Mutation, StampedCommand } from '../engine/commands.js';
import type { KindRegistry } from '../engine/kind.js';
import { StateMachine, type StateMachineLimits } from '../engine/state-machine.js';
import { auditFormat } from './export.js';

export type VerifyReport =
  | {
      ok: true;
      records: number;
      /** Draws by kind (commands of type `draw`). */
      draws: Record<string, number>;
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

interface Line {
  seq?: unknown;
  prev?: unknown;
  hash?: unknown;
  entry?: unknown;
  end?: unknown;
  head?: unknown;
  digest?: unknown;
  audit?: unknown;
  genesis?: unknown;
  from?: unknown;
}

class Failure extends Error {
  constructor(
    message: string,
    readonly seq?: number,
  ) {
    super(message);
  }
}

const entryFields = new Set(['seq', 'atMs', 'seed', 'command', 'outcome']);

function stampedOf(entry: AuditEntry): StampedCommand {
  if (
    typeof entry !== 'object' ||
    entry === null ||
    !Number.isSafeInteger(entry.seq) ||
    typeof entry.atMs !== 'number' ||
    typeof entry.command !== 'object' ||
    entry.command === null ||
    (entry.seed !== undefined && typeof entry.seed !== 'string')
  ) {
    throw new Failure('the entry is not a stamped command');
  }
  // Only the fields the chain hashes: anything else would be an unhashed edit.
  for (const key of Object.keys(entry)) {
    if (!entryFields.has(key)) throw new Failure(`the entry holds a field '${key}' no entry has`);
  }
  return {
    seq: entry.seq,
    atMs: entry.atMs,
    seed: entry.seed === undefined ? undefined : new Uint8Array(Buffer.from(entry.seed, 'base64')),
    command: entry.command as Mutation,
  };
}

export class Verifier {
  private readonly machine: StateMachine;
  private lineNumber = 0;
  private records = 0;
  private beacons = 0;
  private seedChains = 0;
  private readonly draws: Record<string, number> = {};
  private readonly seeded: Record<string, number> = {};
  private trailer: Line | undefined;
  private failure: VerifyReport | undefined;

  constructor(registry: KindRegistry, limits: StateMachineLimits) {
    this.machine = new StateMachine(registry, limits);
  }

  /** Checks the next line; false once a line failed (the report then names it). */
  push(text: string): boolean {
    if (this.failure !== undefined) return false;
    this.lineNumber += 1;
    try {
      this.check(text);
      return true;
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
      this.failure = { ok: false, line: this.lineNumber, seq: error.seq, reason: error.message };
      return false;
    }
  }

  private check(text: string): void {
    if (text.trim() === '') return;
    if (this.trailer !== undefined) throw new Failure('lines follow the trailer');
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      throw new Failure('the line is not JSON: the file is damaged or cut short');
    }
    if (this.lineNumber === 1) {
      if (line.audit !== auditFormat || line.genesis !== genesisHash) {
        throw new Failure(`not an audit export of format ${auditFormat}`);
      }
      if (line.from !== 1) {
        throw new Failure(`the export starts at command ${String(line.from)}, not at the first`);
      }
      return;
    }
    if (line.end === true) {
      this.trailer = line;
      return;
    }
    this.record(line);
  }

  private record(line: Line): void {
    const { machine } = this;
    const expected = machine.appliedSeq + 1;
    if (line.seq !== expected) {
      throw new Failure(
        `expected command ${expected}, found ${String(line.seq)}: a record was dropped, inserted or moved`,
        typeof line.seq === 'number' ? line.seq : undefined,
      );
    }
    const head = machine.auditHead.head;
    if (line.prev !== head) {
      throw new Failure(
        `its prev hash is not the hash of the record before it (a record was removed, inserted or reordered)`,
        expected,
      );
    }
    const entry = line.entry as AuditEntry;
    const stamped = stampedOf(entry);
    if (stamped.seq !== expected) {
      throw new Failure(`its entry holds command ${stamped.seq}`, expected);
    }
    // The replay hashes the entry it rebuilds; the entry as written is hashed again only when
    // something fails, to say whether the line itself was edited (one hash per command, not two).
    const edited = () =>
      line.hash !== chainHash(head, entry)
        ? new Failure('its hash does not match its entry (the record was edited)', expected)
        : undefined;
    const problem = machine.problemWith(stamped.command);
    if (problem !== undefined) throw edited() ?? new Failure(problem, expected);
    let outcome;
    try {
      outcome = machine.apply(stamped);
    } catch (error) {
      throw (
        edited() ??
        new Failure(
          (error as Error).message.replace(/^state machine assertion failed: /, ''),
          expected,
        )
      );
    }
    if (machine.auditHead.head !== line.hash) {
      const failure = edited();
      if (failure !== undefined) throw failure;
    }
    this.records += 1;
    const { kind, type } = stamped.command;
    if (kind === 'engine' && type === 'commitSeeds') this.seedChains += 1;
    if (stamped.seed !== undefined) {
      this.seeded[`${kind}.${type}`] = (this.seeded[`${kind}.${type}`] ?? 0) + 1;
      if (type === 'draw') this.draws[kind] = (this.draws[kind] ?? 0) + 1;
      if (typeof stamped.command.beacon === 'string') this.beacons += 1;
    }
    const replayed = canonicalJson(
      stamped.seed === undefined ? undefined : machine.publicOutcome(stamped.command, outcome),
    );
    const shown = canonicalJson(entry.outcome);
    if (shown !== replayed) {
      throw (
        edited() ??
        new Failure(
          `${kind}.${type}: the export shows ${shown}, the replay gives ${replayed}`,
          expected,
        )
      );
    }
    if (machine.auditHead.head !== line.hash) {
      throw new Failure('the replay reaches another head hash', expected);
    }
  }

  /** The verdict once every line was pushed. */
  finish(): VerifyReport {
    if (this.failure !== undefined) return this.failure;
    const { machine, trailer } = this;
    const fail = (reason: string): VerifyReport => ({ ok: false, line: this.lineNumber, reason });
    if (this.lineNumber === 0) return fail('the export is empty');
    if (trailer === undefined) return fail('the export ends without its trailer: it was cut short');
    const { head } = machine.auditHead;
    if (trailer.seq !== machine.appliedSeq) {
      return fail(
        `the trailer ends at command ${String(trailer.seq)}, the export holds commands up to ${machine.appliedSeq}: it was cut short`,
      );
    }
    if (trailer.head !== head) return fail(`the trailer's head hash is not the chain's (${head})`);
    const digest = machine.digest();
    if (trailer.digest !== digest) {
      return fail(`the trailer's state digest is not the replay's (${digest})`);
    }
    return {
      ok: true,
      records: this.records,
      draws: { ...this.draws },
      seeded: { ...this.seeded },
      beacons: this.beacons,
      seedChains: this.seedChains,
      seq: machine.appliedSeq,
      head,
      digest,
    };
  }
}

export function verifyLines(
  lines: Iterable<string>,
  registry: KindRegistry,
  limits: StateMachineLimits,
): VerifyReport {
  const verifier = new Verifier(registry, limits);
  for (const line of lines) if (!verifier.push(line)) break;
  return verifier.finish();
}
