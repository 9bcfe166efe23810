/**
 * Starts the real service in-process on 127.0.0.1 and a free port, for end-to-end tests.
 */
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { pino } from 'pino';
import type { CommandLog } from '../../src/engine/command-log.js';
import type { StampedCommand } from '../../src/engine/commands.js';
import { defaultConfig, type Config } from '../../src/server/env.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

export async function startTestServer(
  overrides: Partial<Config> = {},
  options: Parameters<typeof startServer>[2] = {},
): Promise<RunningServer> {
  const config = defaultConfig({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    durability: 'none',
    ...overrides,
  });
  return startServer(config, pino({ level: 'silent' }), options);
}

/** A command log that keeps every stamped mutation, in the order the queue applied them. */
export class RecordingLog implements CommandLog {
  readonly commands: StampedCommand[] = [];
  /** Commands in each batch, in order. */
  readonly batchSizes: number[] = [];
  batches = 0;

  append(batch: readonly StampedCommand[]): void {
    this.batches += 1;
    this.batchSizes.push(batch.length);
    this.commands.push(...batch);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A command log that can be made to hold its appends: after `block()`, an append settles only at
 * the next `release()` (or at `unblock()`), so the queue backs up behind it. It starts unblocked so
 * that the server can create its default raffle.
 */
export class BlockingLog implements CommandLog {
  private releases: (() => void)[] = [];
  private blocked = false;

  append(): void | Promise<void> {
    if (!this.blocked) return;
    return new Promise((resolve) => this.releases.push(resolve));
  }

  block(): void {
    this.blocked = true;
  }

  /** Settles every append waiting now; later ones wait again while blocked. */
  release(): void {
    const releases = this.releases;
    this.releases = [];
    for (const release of releases) release();
  }

  unblock(): void {
    this.blocked = false;
    this.release();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** JSON request helper: returns status, headers and the parsed body (or the raw text). */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * A request with exact bytes and headers (no defaults added), through node:http: for bodies that
 * are compressed, not UTF-8 or deliberately broken, and for methods such as HEAD.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string; agent?: Agent } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string; body: any }> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string> = { ...options.headers };
    if (body !== undefined) headers['content-length'] ??= String(body.length);
    const outgoing = httpRequest(
      `${baseUrl}${path}`,
      { method, headers, agent: options.agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON: keep the text.
          }
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            body: parsed,
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
