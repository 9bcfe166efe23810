/**
 * The audit export: the command log as NDJSON, each record with the hash of the one before it,
 * the answers of the commands that took random bytes, and a trailer with the head hash and the
 * state digest the log leads to.
 *
 *     {"audit":1,"genesis":"<hex>"}                                          header
 *     {"prev":"<hex>","hash":"<hex>","record":{…},"outcomes":[{seq, ok, value|reason}]}   one per record
 *     {"end":true,"records":n,"seq":s,"head":"<hex>","digest":"<hex>"}      trailer
 *
 * `record` is the log record's payload exactly as the log wrote it (see `chain.ts`). The answers
 * come from replaying the log with the service's own state machine, shown through each command's
 * `publicOutcome`, so the export holds nothing the log does not: no verification code, coupon
 * code or idempotency key, only digests, sealed values and pseudonyms the commands carry.
 */
import { readFileSync } from 'node:fs';
import type { Outcome } from '../engine/commands.js';
import type { KindRegistry } from '../engine/kind.js';
import { StateMachine, type StateMachineLimits } from '../engine/state-machine.js';
import { decodeBatch } from '../journal/codec.js';
import { listSegments } from '../journal/files.js';
import { scanRecords } from '../journal/framing.js';
import { chainHash, genesisHash } from './chain.js';

export const auditFormat = 1;

/** One answer in an export: a success's public value, or a refusal's reason. */
export type ExportedOutcome =
  { seq: number; ok: true; value: unknown } | { seq: number; ok: false; reason: string };

/** The payloads of every record of a data directory's journal, oldest first (a torn tail is left out). */
export function* journalPayloads(dataDir: string): Generator<Buffer> {
  for (const segment of listSegments(dataDir)) {
    const scan = scanRecords(readFileSync(segment.path));
    yield* scan.payloads;
    if (scan.problem !== undefined && !scan.problem.torn) {
      throw new Error(`${segment.path} at byte ${scan.problem.offset}: ${scan.problem.detail}`);
    }
  }
}

/** What an export shows of an answer. */
export function exportedOutcome(
  machine: StateMachine,
  seq: number,
  command: { kind: string; type: string },
  outcome: Outcome<unknown>,
): ExportedOutcome {
  if (!outcome.ok) return { seq, ok: false, reason: outcome.reason };
  const spec = machine.registry.get(command.kind)?.commands[command.type];
  const value =
    spec?.publicOutcome === undefined ? outcome.value : spec.publicOutcome(outcome.value);
  return { seq, ok: true, value };
}

/** Replays `payloads` from the first command and yields the export's lines, without newlines. */
export function* exportLines(
  payloads: Iterable<Buffer>,
  registry: KindRegistry,
  limits: StateMachineLimits,
): Generator<string> {
  const machine = new StateMachine(registry, limits);
  let hash = genesisHash;
  let records = 0;
  yield JSON.stringify({ audit: auditFormat, genesis: genesisHash.toString('hex') });
  for (const payload of payloads) {
    const previous = hash;
    hash = chainHash(previous, payload);
    const outcomes: ExportedOutcome[] = [];
    for (const stamped of decodeBatch(payload)) {
      if (stamped.seq <= machine.appliedSeq) continue;
      const outcome = machine.apply(stamped);
      if (stamped.seed !== undefined) {
        outcomes.push(exportedOutcome(machine, stamped.seq, stamped.command, outcome));
      }
    }
    records += 1;
    // The payload is JSON text already: it goes into the line as it is.
    yield `{"prev":"${previous.toString('hex')}","hash":"${hash.toString('hex')}","record":${payload.toString('utf8')},"outcomes":${JSON.stringify(outcomes)}}`;
  }
  yield JSON.stringify({
    end: true,
    records,
    seq: machine.appliedSeq,
    head: hash.toString('hex'),
    digest: machine.digest(),
  });
}
