/**
 * Sorting answers into what they mean for a load run: success, an expected business refusal
 * (a transfer from a donor with too few tickets), an unexpected refusal (a 4xx this workload
 * should never cause, such as invalid input: a bug in the runner or the service), or a server
 * error (5xx). Only the first two are a healthy run.
 */
import type { Answer } from './surfaces.js';

export type Verdict = 'ok' | 'refused' | 'unexpected' | 'serverError';

const add = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by;
};

export class Tally {
  ok = 0;
  /** Expected refusals by reason. */
  readonly refused: Record<string, number> = {};
  /** Unexpected 4xx (and other non-success statuses below 500) by "status reason". */
  readonly unexpected: Record<string, number> = {};
  /** 5xx by "status reason". */
  readonly serverErrors: Record<string, number> = {};

  constructor(
    private readonly successStatus: number,
    private readonly expectedRefusals: readonly string[],
  ) {}

  classify(answer: Answer): Verdict {
    if (answer.status === this.successStatus) {
      this.ok += 1;
      return 'ok';
    }
    const key = `${answer.status} ${answer.reason ?? '(no reason)'}`;
    if (answer.status >= 500) {
      add(this.serverErrors, key);
      return 'serverError';
    }
    if (answer.reason !== undefined && this.expectedRefusals.includes(answer.reason)) {
      add(this.refused, answer.reason);
      return 'refused';
    }
    add(this.unexpected, key);
    return 'unexpected';
  }
}

/** Counts of bulk items by outcome, from `{ results: [{ ok, reason? }] }` answers. */
export class ItemTally {
  ok = 0;
  readonly refused: Record<string, number> = {};
  readonly unexpected: Record<string, number> = {};

  constructor(private readonly expectedRefusals: readonly string[]) {}

  /** Records one item's result; returns whether it succeeded. */
  record(result: unknown): boolean {
    const entry = (typeof result === 'object' && result !== null ? result : {}) as {
      ok?: unknown;
      reason?: unknown;
    };
    if (entry.ok === true) {
      this.ok += 1;
      return true;
    }
    const reason = typeof entry.reason === 'string' ? entry.reason : '(no reason)';
    add(this.expectedRefusals.includes(reason) ? this.refused : this.unexpected, reason);
    return false;
  }

  get total(): number {
    const sum = (counts: Record<string, number>) =>
      Object.values(counts).reduce((a, b) => a + b, 0);
    return this.ok + sum(this.refused) + sum(this.unexpected);
  }
}
