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
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { participantsPerRaffleMaxDefault, rafflesMaxDefault } from '../config/limits.js';
import { genesisHash } from '../engine/audit-chain.js';
import type { StampedCommand } from '../engine/commands.js';
import type { KindRegistry } from '../engine/kind.js';
import { StateMachine, type StateMachineLimits } from '../engine/state-machine.js';
import { readBatches } from '../journal/batches.js';
import { listSegments } from '../journal/files.js';
import type { ByteSource } from '../journal/framing.js';

export const auditFormat = 2;

/**
 * The limits an export's replay (and the verifier's) starts from. The service journals its own
 * limits in a `configure` command before anything else, so these matter only for a log without
 * one; the exporter and the verifier must simply agree on them.
 */
export const auditInitialLimits: StateMachineLimits = {
  rafflesMax: rafflesMaxDefault,
  participantsPerRaffleMax: participantsPerRaffleMaxDefault,
};

/** The log no longer starts at its first command: pruned behind a snapshot. */
export class AuditLogPrunedError extends Error {
  constructor(readonly firstSeq: number) {
    super(`the log kept starts at command ${firstSeq}, not at the first command`);
    this.name = 'AuditLogPrunedError';
  }
}

/** A segment read through its own read-only descriptor (the service may be appending to it). */
function readOnlySource(fd: number): ByteSource {
  return {
    size: fstatSync(fd).size,
    read: (position, length) => {
      const buffer = Buffer.allocUnsafe(length);
      return buffer.subarray(0, readSync(fd, buffer, 0, length, position));
    },
  };
}

/**
 * The stamped commands of a data directory's journal, oldest first, read one batch at a time
 * with the reader recovery uses: a torn last batch (or one being written) is left out.
 */
export function* journalCommands(dataDir: string): Generator<StampedCommand> {
  let last = 0;
  const segments = listSegments(dataDir);
  for (const [index, segment] of segments.entries()) {
    const fd = openSync(segment.path, 'r');
    try {
      const batches = readBatches(readOnlySource(fd), {
        nextSeq: last + 1,
        last: index === segments.length - 1,
      });
      let next = batches.next();
      for (; next.done !== true; next = batches.next()) {
        for (const stamped of next.value.commands) {
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
      const { problem } = next.value;
      if (problem !== undefined && !problem.torn) {
        throw new Error(`${segment.path} at byte ${problem.offset}: ${problem.detail}`);
      }
    } finally {
      closeSync(fd);
    }
  }
}

export interface ExportRange {
  /** First command shown (1: the whole log). */
  from?: number;
  /** Most commands shown. */
  limit?: number;
}

/** What `AuditPage.push` gives: a line to send, nothing (before the range), or the page's end. */
export type PageStep = { line: string } | { line?: undefined; done: boolean };

/**
 * One page of an export, fed the log's commands from the first: `push` replays each and gives
 * the line of a command inside the range, `done` once a command past the page arrives (the log
 * goes on), and `trailer` closes the page.
 */
export class AuditPage {
  private readonly machine: StateMachine;
  private readonly from: number;
  private readonly limit: number;
  private records = 0;
  private more = false;

  constructor(registry: KindRegistry, limits: StateMachineLimits, range: ExportRange = {}) {
    this.machine = new StateMachine(registry, limits);
    this.from = range.from ?? 1;
    this.limit = range.limit ?? Number.POSITIVE_INFINITY;
  }

  header(): string {
    return JSON.stringify({ audit: auditFormat, genesis: genesisHash, from: this.from });
  }

  push(stamped: StampedCommand): PageStep {
    const { machine } = this;
    if (machine.appliedSeq === 0 && stamped.seq !== 1) throw new AuditLogPrunedError(stamped.seq);
    if (this.records >= this.limit) {
      this.more = true;
      return { done: true };
    }
    const prev = machine.auditHead.head;
    machine.apply(stamped);
    if (stamped.seq < this.from) return { done: false };
    this.records += 1;
    // The entry exactly as the chain hashed it.
    const entry = machine.lastAuditEntry;
    return {
      line: `{"seq":${stamped.seq},"prev":"${prev}","hash":"${machine.auditHead.head}","entry":${entry}}`,
    };
  }

  trailer(): string {
    const { machine } = this;
    return JSON.stringify({
      end: true,
      seq: machine.appliedSeq,
      head: machine.auditHead.head,
      digest: machine.digest(),
      more: this.more,
    });
  }
}

/** The lines of one page (without newlines), from `commands` starting at command 1. */
export function* exportLines(
  commands: Iterable<StampedCommand>,
  registry: KindRegistry,
  limits: StateMachineLimits,
  range: ExportRange = {},
): Generator<string> {
  const page = new AuditPage(registry, limits, range);
  yield page.header();
  for (const stamped of commands) {
    const step = page.push(stamped);
    if (step.line !== undefined) yield step.line;
    else if (step.done) break;
  }
  yield page.trailer();
}
