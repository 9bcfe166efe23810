/**
 * `GET /api/audit/log?from=&limit=`: the audit export (`src/audit/export.ts`) streamed as NDJSON,
 * read from whichever log the service runs on, the journal's segments or the shared log in etcd.
 *
 * A plain Express route beside the REST surface: trpc-to-openapi answers one JSON value per
 * call, and an export of a long log must stream. A page replays the log from the first command
 * (answers are recomputed, never stored), so its cost grows with its end, not with its length;
 * the route hands the event loop back every `yieldEvery` commands so other requests are not held
 * up for the whole replay. Bad `from` or `limit` get 400 `invalid_audit_range`; a log that no
 * longer starts at the first command (pruned behind a snapshot) gets 409 `audit_log_pruned`; a
 * service without a log (`DURABILITY=none`) gets 409 `audit_log_unavailable`.
 */
import type { Request, RequestHandler, Response } from 'express';
import { auditPageLimitDefault, auditPageLimitMax } from '../config/limits.js';
import type { StampedCommand } from '../engine/commands.js';
import type { KindRegistry } from '../engine/kind.js';
import type { StateMachineLimits } from '../engine/state-machine.js';
import { AuditLogPrunedError, AuditPage, journalCommands } from '../audit/export.js';
import { logReadEntriesMax } from '../config/limits.js';
import { decodeEntry } from '../replication/log-entry.js';
import type { SharedLog } from '../replication/shared-log.js';
import { sendError } from './error-response.js';

/** Where the export reads the stamped commands, from the first one on. */
export type AuditSource = () => AsyncIterable<StampedCommand> | Iterable<StampedCommand>;

export function journalAuditSource(dataDir: string): AuditSource {
  return () => journalCommands(dataDir);
}

export function sharedLogAuditSource(log: SharedLog): AuditSource {
  return async function* () {
    let next = 1;
    let last = 0;
    for (;;) {
      const { entries } = await log.read(next, logReadEntriesMax);
      if (entries.length === 0) return;
      // A log pruned behind a snapshot starts later: the page refuses a first command past 1.
      for (const raw of entries) {
        for (const stamped of decodeEntry(raw).commands) {
          // An entry a writer retried after a lost answer repeats commands already applied.
          if (stamped.seq <= last) continue;
          last = stamped.seq;
          yield stamped;
        }
        next = raw.index + 1;
      }
    }
  };
}

function wholeNumber(text: unknown, fallback: number): number | undefined {
  if (text === undefined) return fallback;
  if (typeof text !== 'string' || !/^[0-9]{1,15}$/.test(text)) return undefined;
  return Number(text);
}

const yieldEvery = 2_000;

export function auditLogHandler(options: {
  source: AuditSource | undefined;
  registry: KindRegistry;
  limits: StateMachineLimits;
}): RequestHandler {
  return (req: Request, res: Response, next) => {
    const from = wholeNumber(req.query.from, 1);
    const limit = wholeNumber(req.query.limit, auditPageLimitDefault);
    if (from === undefined || from < 1) {
      sendError(res, 'invalid_audit_range', '`from` is a command number from 1.');
      return;
    }
    if (limit === undefined || limit < 1 || limit > auditPageLimitMax) {
      sendError(
        res,
        'invalid_audit_range',
        `\`limit\` is a whole number from 1 to ${auditPageLimitMax}.`,
      );
      return;
    }
    const { source } = options;
    if (source === undefined) {
      sendError(
        res,
        'audit_log_unavailable',
        'This service keeps no command log (DURABILITY=none): there is nothing to export.',
      );
      return;
    }
    stream(res, source, new AuditPage(options.registry, options.limits, { from, limit })).catch(
      (error: unknown) => {
        if (res.headersSent) {
          // The status is gone: the stream is cut, and the missing trailer tells the reader.
          res.destroy(error as Error);
          return;
        }
        if (error instanceof AuditLogPrunedError) {
          sendError(
            res,
            'audit_log_pruned',
            `${error.message}; nothing before it can be exported.`,
          );
          return;
        }
        next(error);
      },
    );
  };
}

async function stream(res: Response, source: AuditSource, page: AuditPage): Promise<void> {
  const pending: string[] = [page.header()];
  const flush = async () => {
    if (!res.headersSent) {
      res.status(200).type('application/x-ndjson').setHeader('Cache-Control', 'no-store');
    }
    const text = `${pending.join('\n')}\n`;
    pending.length = 0;
    if (!res.write(text)) await new Promise<void>((resolve) => res.once('drain', resolve));
  };
  let count = 0;
  for await (const stamped of source()) {
    // The first command is checked before any byte is sent, so a pruned log still gets a 409.
    const step = page.push(stamped);
    if (step.line !== undefined) pending.push(step.line);
    else if (step.done) break;
    count += 1;
    if (count % yieldEvery === 0) {
      if (pending.length > 0) await flush();
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (res.destroyed) return;
    }
  }
  pending.push(page.trailer());
  await flush();
  res.end();
}
