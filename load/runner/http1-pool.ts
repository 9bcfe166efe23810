/**
 * A small HTTP/1.1 client for the paced driver: a fixed pool of keep-alive sockets, one request
 * in flight on each, requests waiting in arrival order for a free socket.
 *
 * node:http's client costs the load generator about as much CPU per request as the service
 * spends answering it, and on this two-core box the generator shares the cores with the service:
 * a held rate measured through it mostly measures the generator. This one writes each request as
 * one prepared string and reads an answer by its `Content-Length`, which every answer of the
 * service carries (a chunked answer is refused as a transport error rather than misread). The
 * trade-off is a client that speaks only as much HTTP as the service does.
 */
import { connect, type Socket } from 'node:net';

export interface Http1Request {
  method: string;
  path: string;
  body?: string | undefined;
  /** Called once: with the status and body, or with an error. */
  done(error: Error | undefined, status: number, body: string): void;
}

const headerEnd = Buffer.from('\r\n\r\n');

class Connection {
  private socket: Socket | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private current: Http1Request | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly released: (connection: Connection) => void,
  ) {}

  send(request: Http1Request): void {
    this.current = request;
    this.buffered = Buffer.alloc(0);
    const socket = this.socket ?? this.open();
    const body = request.body ?? '';
    const head =
      `${request.method} ${request.path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n` +
      (request.body === undefined ? '' : 'Content-Type: application/json\r\n') +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    socket.write(head + body);
  }

  destroy(): void {
    this.socket?.destroy();
  }

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    const lost = (error?: Error): void => {
      if (this.socket === socket) this.socket = undefined;
      this.finish(error ?? new Error('connection closed'), 0, '');
    };
    socket.on('error', lost);
    socket.on('close', () => lost());
    this.socket = socket;
    return socket;
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(headerEnd);
    if (end < 0) return;
    const head = this.buffered.toString('latin1', 0, end).toLowerCase();
    const status = Number(head.slice(9, 12));
    const lengthAt = head.indexOf('\r\ncontent-length:');
    if (lengthAt < 0) {
      this.socket?.destroy();
      this.finish(new Error('an answer without Content-Length'), 0, '');
      return;
    }
    const length = Number.parseInt(head.slice(lengthAt + 17), 10);
    const bodyAt = end + headerEnd.length;
    if (this.buffered.length < bodyAt + length) return;
    const body = this.buffered.toString('utf8', bodyAt, bodyAt + length);
    this.buffered = Buffer.alloc(0);
    if (head.includes('\r\nconnection: close')) this.socket?.end();
    this.finish(undefined, status, body);
  }

  private finish(error: Error | undefined, status: number, body: string): void {
    const request = this.current;
    if (request === undefined) return;
    this.current = undefined;
    request.done(error, status, body);
    this.released(this);
  }
}

export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly all: Connection[] = [];
  private readonly waiting: Http1Request[] = [];
  private waitingFrom = 0;

  constructor(url: string, connections: number) {
    const { hostname, port } = new URL(url);
    for (let i = 0; i < connections; i += 1) {
      const connection = new Connection(hostname, Number(port), (c) => this.release(c));
      this.all.push(connection);
      this.idle.push(connection);
    }
  }

  /** Requests waiting for a free connection. */
  get backlog(): number {
    return this.waiting.length - this.waitingFrom;
  }

  request(request: Http1Request): void {
    const connection = this.idle.pop();
    if (connection === undefined) this.waiting.push(request);
    else connection.send(request);
  }

  close(): void {
    for (const connection of this.all) connection.destroy();
  }

  private release(connection: Connection): void {
    if (this.waitingFrom < this.waiting.length) {
      const next = this.waiting[this.waitingFrom] as Http1Request;
      this.waitingFrom += 1;
      if (this.waitingFrom === this.waiting.length) {
        this.waiting.length = 0;
        this.waitingFrom = 0;
      }
      connection.send(next);
    } else {
      this.idle.push(connection);
    }
  }
}
