/**
 * Draining the HTTP side at shutdown: requests already admitted are answered, new ones are
 * refused with 503 `shutting_down` and `Retry-After`, and every connection is told to close after
 * its next answer.
 *
 * Closing idle keep-alive connections at once would race with clients that are sending on them
 * (they see ECONNRESET, not an answer). Instead the service keeps listening while it drains: a
 * request that arrives on a kept-alive or new connection gets a clean 503 with
 * `Connection: close`, and `/healthz` answers 503 so that a load balancer stops sending. The
 * connections are closed only once the admitted requests are answered, the journal is flushed,
 * and no request has arrived for a short quiet period (`shutdownQuietMs`): a client told to go
 * away is not cut off while it is still asking.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { sendError } from './error-response.js';

/** Paths answered during the drain anyway: they report it (503) rather than being refused. */
const reportingPaths: ReadonlySet<string> = new Set(['/healthz']);

/** The path of a request target, without its query. */
function pathOf(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

/**
 * The links of an admitted answer in the drain's list of unanswered ones, kept on the answer
 * itself under symbols no other code can clash with.
 */
const previous = Symbol('raffle.drainPrevious');
const following = Symbol('raffle.drainNext');
type Listed = ServerResponse & {
  [previous]?: Listed | undefined;
  [following]?: Listed | undefined;
};

export class Drain {
  private draining = false;
  /**
   * The unanswered answers, as a doubly linked list through the answers themselves: admitting and
   * answering allocate nothing, and an answer taken out keeps no link to another. A Set rebuilds
   * its table as requests come and go, and each table the young-generation collector had promoted
   * kept the answers it held, and everything they reach, alive through the next collections.
   */
  private newest: Listed | undefined;
  private unanswered = 0;
  private allAnswered: (() => void) | undefined;
  private lastRequestAtMs = 0;

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Counts an admitted request until it is answered, or refuses it while draining; `false` when
   * it has been answered here. Framework-free, for the node:http fast path and express alike.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    this.lastRequestAtMs = Date.now();
    if (this.draining) {
      res.setHeader('Connection', 'close');
      if (reportingPaths.has(pathOf(req.url))) return true;
      sendError(res, 'shutting_down', 'The service is shutting down; retry on another instance.');
      return false;
    }
    const listed = res as Listed;
    // Admitted already and not yet answered: counted once, as a set would.
    if (listed === this.newest || listed[previous] !== undefined) return true;
    listed[previous] = undefined;
    listed[following] = this.newest;
    if (this.newest !== undefined) this.newest[previous] = listed;
    this.newest = listed;
    this.unanswered += 1;
    // 'close' follows both a finished answer and a connection lost before it, once. One listener
    // serves every request (it is called on the answer), so admitting allocates nothing.
    res.on('close', this.answered);
    return true;
  }

  private readonly answered = ((drain: Drain) =>
    function answered(this: Listed): void {
      const before = this[previous];
      const after = this[following];
      if (before !== undefined) before[following] = after;
      else if (drain.newest === this) drain.newest = after;
      else return; // Not listed (already answered).
      if (after !== undefined) after[previous] = before;
      this[previous] = undefined;
      this[following] = undefined;
      drain.unanswered -= 1;
      if (drain.unanswered === 0) drain.allAnswered?.();
    })(this);

  /** `admit` as express middleware, for the app when it serves requests on its own. */
  readonly middleware: RequestHandler = (req, res, next) => {
    if (this.admit(req, res)) next();
  };

  /**
   * Starts draining; resolves once every request admitted before it has been answered. Answers
   * not yet begun will carry `Connection: close`.
   */
  start(): Promise<void> {
    this.draining = true;
    for (let res = this.newest; res !== undefined; res = res[following]) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
    if (this.unanswered === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.allAnswered = resolve;
    });
  }

  /** Resolves once no request has arrived for `quietMs`, or at `deadlineMs` (epoch ms). */
  async quiet(quietMs: number, deadlineMs: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      const quietAt = this.lastRequestAtMs + quietMs;
      if (now >= quietAt || now >= deadlineMs) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(quietAt, deadlineMs) - now));
    }
  }
}
