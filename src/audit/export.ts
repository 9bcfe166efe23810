/**
 * The audit export: the command log as NDJSON, one line per command with the audit chain's
 * hashes (`src/engine/audit-chain.ts`), between a header and a trailer.
 *
 *     {"audit":2,"genesis":"<hex>","from":f}                                   header
 *     {"seq":n,"prev":"<hex>","hash":"<hex>","entry":{seq, atMs, seed?, command, outcome?}}
 *     {"end":true,"seq":s,"head":"<hex>","digest":"<hex>","more":bool}         trailer
 *
 * The lines are made by replaying the log from its first command with the service's own state
 * machine: answers are recomputed, never stored, so a page costs the replay up to its last line.
 * The trailer gives the head hash and state digest after the page's last command, and `more`
 * says whether the log goes on. Nothing is shown that the log does not hold, and the log holds no
 * secret: commands carry only digests, keyed pseudonyms, keyed hashes and sealed values made at
 * the edge, and answers pass through each command's `publicOutcome`.
 */
import { readFileSync } from 'node:fs';
import { auditEntryOf, canonicalJson, genesisHash } from '../engine/audit-chain.js';
import type { StampedCommand } from '../engine/commands.js';
import type { KindRegistry } from '../engine/kind.js';
import { StateMachine, type StateMachineLimits } from '../engine/state-machine.js';
import { decodeBatch } from '../journal/codec.js';
import { listSegments } from '../journal/files.js';
import { scanRecords } from '../journal/framing.js';

export const auditFormat = 2;

/** The log no longer starts at its first command: pruned behind a snapshot. */
export class AuditLogPrunedError extends Error {
  constructor(readonly firstSeq: number) {
    super(`the log kept starts at command ${firstSeq}, not at the first command`);
    this.name = 'AuditLogPrunedError';
  }
}

/** The stamped commands of a data directory's journal, oldest first (a torn tail is left out). */
export function* journalCommands(dataDir: string): Generator<StampedCommand> {
  let last = 0;
  for (const segment of listSegments(dataDir)) {
    const scan = scanRecords(readFileSync(segment.path));
    for (const payload of scan.payloads) {
      for (const stamped of decodeBatch(payload)) {
        // A batch retried after a failed write may appear twice; the first copy counts.
        if (stamped.seq <= last) continue;
        if (stamped.seq !== last + 1) {
          if (last === 0) throw new AuditLogPrunedError(stamped.seq);
          throw new Error(`${segment.path}: command ${stamped.seq} follows ${last}`);
        }
        last = stamped.seq;
        yield stamped;
      }
    }
    if (scan.problem !== undefined && !scan.problem.torn) {
      throw new Error(`${segment.path} at byte ${scan.problem.offset}: ${scan.problem.detail}`);
    }
  }
}

export interface ExportRange {
  /** First command shown (1: the whole log). */
  from?: number;
  /** Most commands shown. */
  limit?: number;
}

/**
 * Replays `commands` from the first and yields the export's lines (without newlines) for the
 * commands of the range. `commands` must start at command 1.
 */
export function* exportLines(
  commands: Iterable<StampedCommand>,
  registry: KindRegistry,
  limits: StateMachineLimits,
  range: ExportRange = {},
): Generator<string> {
  const from = range.from ?? 1;
  const limit = range.limit ?? Number.POSITIVE_INFINITY;
  const machine = new StateMachine(registry, limits);
  let records = 0;
  let more = false;
  yield JSON.stringify({ audit: auditFormat, genesis: genesisHash, from });
  for (const stamped of commands) {
    if (machine.appliedSeq === 0 && stamped.seq !== 1) throw new AuditLogPrunedError(stamped.seq);
    if (records >= limit) {
      more = true;
      break;
    }
    const prev = machine.auditHead.head;
    const outcome = machine.apply(stamped);
    if (stamped.seq < from) continue;
    const shown =
      stamped.seed === undefined ? undefined : machine.publicOutcome(stamped.command, outcome);
    records += 1;
    const entry = canonicalJson(auditEntryOf(stamped, shown));
    yield `{"seq":${stamped.seq},"prev":"${prev}","hash":"${machine.auditHead.head}","entry":${entry}}`;
  }
  yield JSON.stringify({
    end: true,
    seq: machine.appliedSeq,
    head: machine.auditHead.head,
    digest: machine.digest(),
    more,
  });
}
