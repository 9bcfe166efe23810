/**
 * The `raffle` command's way to the service: JSON over HTTP to its REST API, the operator token
 * as a bearer header when given, and retries of what is safe to retry. A request that failed
 * before an answer, or got 503 (busy, shutting down) or 429, is sent again after a growing pause,
 * always with the same `Idempotency-Key`, so the retry of a write that did happen is answered from
 * the service's memory instead of applied twice. Other refusals are returned to the caller.
 */
import { CliError, exitCodes } from './cli-error.js';

export interface ServiceAnswer {
  status: number;
  body: unknown;
}

export interface ServiceClientOptions {
  url: string;
  token?: string | undefined;
  /** Attempts per request, the first included. */
  attempts?: number | undefined;
  /** Pause before the first retry, doubled for each further one. */
  retryDelayMs?: number | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ServiceClient {
  private readonly base: string;
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: ServiceClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.attempts = options.attempts ?? 6;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  get(path: string): Promise<ServiceAnswer> {
    return this.send('GET', path);
  }

  post(path: string, body: unknown, idempotencyKey: string): Promise<ServiceAnswer> {
    return this.send('POST', path, body, idempotencyKey);
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<ServiceAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      if (attempt > 1) await sleep(this.retryDelayMs * 2 ** (attempt - 2));
      let response: Response;
      try {
        response = await fetch(`${this.base}/api${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        type Cause = { code?: string; errors?: { code?: string }[] };
        const cause = (error as { cause?: Cause }).cause;
        const code = cause?.code ?? cause?.errors?.[0]?.code;
        lastProblem = `cannot reach ${this.base} (${code ?? (error as Error).message})`;
        continue;
      }
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON (a proxy's page, say): keep the text for the message.
      }
      if (response.status === 503 || response.status === 429 || response.status >= 500) {
        lastProblem = `${method} ${path} answered ${response.status}: ${messageOf(parsed)}`;
        continue;
      }
      return { status: response.status, body: parsed };
    }
    throw new CliError(`${lastProblem} (after ${this.attempts} attempts)`, exitCodes.unavailable);
  }
}

/** The service's refusal text (`{ message, reason }`), or what came instead. */
export function messageOf(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const { message, reason } = body as { message?: unknown; reason?: unknown };
    if (typeof message === 'string')
      return typeof reason === 'string' ? `${message} (${reason})` : message;
  }
  return String(body).slice(0, 200);
}

/** Throws the refusal of an answer that is not a success, as exit code 1. */
export function expectOk(answer: ServiceAnswer, what: string): unknown {
  if (answer.status >= 200 && answer.status < 300) return answer.body;
  throw new CliError(
    `${what}: refused with ${answer.status}: ${messageOf(answer.body)}`,
    exitCodes.refused,
  );
}
