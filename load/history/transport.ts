/**
 * How the history recorder's clients reach the service: one function from a request to its
 * answer, so that a test can put a double between the clients and the service (one that answers
 * stale reads, or that loses answers) without the recorder knowing.
 *
 * The real transport is `node:http` with one kept-alive connection per client (an agent each, of
 * one socket), and a deadline per request: a request past it is destroyed and rejected, which the
 * recorder turns into an `info` event — the service may have applied it. Rejections are the only
 * way a transport says "unknown"; any answer, even a 500, resolves. `warmUp` opens the
 * connections a few at a time before a recording: opening dozens at once on a busy machine can
 * overflow the listen queue, and a dropped connection attempt is retried by the kernel only after
 * a second or more, which would turn the first operations into needless timeouts.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { HttpCall } from '../runner/surfaces.js';

export interface TransportRequest {
  /** The history's operation number, for doubles that want to say which answers they altered. */
  op: number;
  client: number;
  call: HttpCall;
  /** Extra request headers (`X-Forwarded-For` for a client's address behind the trusted proxy). */
  headers?: Record<string, string> | undefined;
}

export interface TransportAnswer {
  status: number;
  body: string;
}

export type Transport = (request: TransportRequest) => Promise<TransportAnswer>;

export interface HttpTransportOptions {
  /** Base URL, `http://127.0.0.1:port`. */
  baseUrl: string;
  /**
   * Milliseconds before a request is abandoned (and recorded as `info`).
   * @default 30000
   */
  timeoutMs?: number;
}

export interface HttpTransport {
  send: Transport;
  /** Opens the connections of clients 0 … clients - 1, a few at a time (`GET /healthz`). */
  warmUp(clients: number): Promise<void>;
  /** Closes the kept-alive connections. */
  close(): void;
}

export function httpTransport(options: HttpTransportOptions): HttpTransport {
  const url = new URL(options.baseUrl);
  const agents = new Map<number, Agent>();
  const agentOf = (client: number): Agent => {
    let agent = agents.get(client);
    if (agent === undefined) {
      agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.set(client, agent);
    }
    return agent;
  };
  const timeoutMs = options.timeoutMs ?? 30_000;
  const send: Transport = ({ client, call, headers: extra }) =>
    new Promise<TransportAnswer>((resolve, reject) => {
      const headers: Record<string, string> = { ...extra };
      if (call.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(call.body));
      }
      const req = httpRequest(
        {
          agent: agentOf(client),
          host: url.hostname,
          port: url.port,
          method: call.method,
          path: call.path,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(call.body);
    });
  const warmUp = async (clients: number): Promise<void> => {
    const group = 8;
    for (let first = 0; first < clients; first += group) {
      const opening: Promise<TransportAnswer>[] = [];
      for (let client = first; client < Math.min(clients, first + group); client += 1) {
        opening.push(send({ op: -1, client, call: { method: 'GET', path: '/healthz' } }));
      }
      await Promise.all(opening);
    }
  };
  const close = (): void => {
    for (const agent of agents.values()) agent.destroy();
  };
  return { send, warmUp, close };
}
