/**
 * The tRPC context of an HTTP request, for `/trpc` and `/api` alike, and for both ways a request
 * reaches a procedure: the node:http fast path (`fast-path.ts`) and the express routes.
 *
 * The client address is derived from the socket and `X-Forwarded-For` under the `TRUST_PROXY`
 * rule by proxy-addr, compiled exactly as express compiles its `trust proxy` setting, and the
 * setting is also installed on the express app so that `req.ip` there agrees: the two cannot be
 * taken apart. The context only reads `IncomingMessage` fields, so it costs the same on either
 * path. Tests that mount their own routers call this same function, so they exercise the code path
 * the service uses.
 */
import type { IncomingMessage } from 'node:http';
import type express from 'express';
import proxyaddr from 'proxy-addr';
import type { SecretKeys } from '../api/secret-keys.js';
import {
  replayNotingEngine,
  type AnswerFacts,
  type CommandSubmitter,
  type Context,
} from '../api/trpc.js';
import type { Config } from './env.js';
import { normaliseAddress, type NormalisedAddress } from './ip-address.js';
import { OperatorAccess } from './operator-access.js';
import type { TrustProxy } from './operator-config.js';

export type ContextFor = (
  transport: Context['transport'],
) => (options: { req: IncomingMessage }) => Context;

type TrustFunction = (address: string, hop: number) => boolean;

/** The trust function express derives from its `trust proxy` setting (express/lib/utils.js). */
export function compileTrust(trust: TrustProxy): TrustFunction {
  if (trust === true) return () => true;
  if (trust === false) return proxyaddr.compile([]);
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyaddr.compile([...trust]);
}

/** A socket's own address, normalised, kept on the socket for its later requests. */
const peerAddressKey = Symbol('raffle.peerAddress');
type PeerCache = { [peerAddressKey]?: NormalisedAddress | undefined };

/** The caller's normalised address under `trust`, or `undefined` (no socket, not an address). */
export function clientAddressOf(
  req: IncomingMessage,
  trust: TrustFunction,
): NormalisedAddress | undefined {
  const socket = req.socket as (IncomingMessage['socket'] & PeerCache) | null;
  // proxy-addr reads `req.connection`, which is `req.socket`, without an address once closed.
  if (socket?.remoteAddress === undefined) return undefined;
  // Without X-Forwarded-For the answer is the peer whatever the trust: a keep-alive connection
  // parses it once, not on every request.
  if (req.headers['x-forwarded-for'] === undefined) {
    if (!(peerAddressKey in socket))
      socket[peerAddressKey] = normaliseAddress(socket.remoteAddress);
    return socket[peerAddressKey];
  }
  const address = proxyaddr(req, trust) as string | undefined;
  return address === undefined ? undefined : normaliseAddress(address);
}

/**
 * Whether a request comes from an operator, decided exactly as the API's guard decides it (the
 * same address under the same proxy trust, the same token): for pages served beside the API.
 */
export function operatorCheckFor(
  config: Pick<Config, 'managerIps' | 'managerToken' | 'trustProxy'>,
): (req: IncomingMessage) => boolean {
  const trust = compileTrust(config.trustProxy);
  const access = new OperatorAccess(config);
  return (req) => access.isOperator(clientAddressOf(req, trust), req.headers.authorization);
}

export function createRequestContext(
  app: express.Express | undefined,
  {
    engine,
    config,
    secretKeys,
    audit,
  }: {
    engine: CommandSubmitter;
    config: Pick<Config, 'exposeInternalErrors' | 'managerIps' | 'managerToken' | 'trustProxy'>;
    /** Keys from the server secret (`src/server/server-secret.ts`). */
    secretKeys?: SecretKeys | undefined;
    audit?: Context['audit'];
  },
): ContextFor {
  // A copy, so that nothing express or proxy-addr does to the list reaches the configuration.
  const trust = config.trustProxy;
  app?.set('trust proxy', typeof trust === 'object' ? [...trust] : trust);
  const trustFunction = compileTrust(trust);
  const access = new OperatorAccess(config);
  return (transport) =>
    ({ req }) => {
      const header = transport === 'rest' ? req.headers['idempotency-key'] : undefined;
      return new RequestContext({
        engine,
        transport,
        exposeInternalErrors: config.exposeInternalErrors,
        // express's `req.header()` gave the first of repeated headers; Node joins most of them.
        idempotencyKeyHeader: Array.isArray(header) ? header[0] : header,
        secretKeys,
        audit,
        address: clientAddressOf(req, trustFunction),
        authorization: req.headers.authorization,
        access,
      });
    };
}

/**
 * One request's context. Whether the caller is an operator is decided when a guard first asks
 * (the token check hashes), not for every request, by a getter the class defines once.
 *
 * It is a class rather than an object literal with a getter on purpose. A getter in a literal is a
 * new function per object, and V8 keeps it in a hidden class (map) made for that one object;
 * maps live in the old generation until a full collection, so each request's map held the getter,
 * its closure and through it the whole request alive through every young-generation collection,
 * and every request was promoted (`npm run profile:gc` showed about a kilobyte per request).
 * Because the getter lives on the prototype, a copy of the context by spread would lose it and
 * read as "not an operator": middlewares that extend the context must not copy it that way.
 */
class RequestContext implements Context {
  readonly engine: CommandSubmitter;
  readonly transport: Context['transport'];
  readonly exposeInternalErrors: boolean;
  readonly idempotencyKeyHeader: string | undefined;
  readonly secretKeys: SecretKeys | undefined;
  readonly audit: Context['audit'];
  /** Filled by the procedure for the answer's headers (Location, Idempotent-Replayed). */
  readonly answer: AnswerFacts = {};
  readonly clientAddress: string | undefined;
  private readonly address: NormalisedAddress | undefined;
  private readonly authorization: string | undefined;
  private readonly access: OperatorAccess;
  private operator: boolean | undefined = undefined;

  constructor(fields: {
    engine: CommandSubmitter;
    transport: Context['transport'];
    exposeInternalErrors: boolean;
    idempotencyKeyHeader: string | undefined;
    secretKeys: SecretKeys | undefined;
    audit: Context['audit'];
    address: NormalisedAddress | undefined;
    authorization: string | undefined;
    access: OperatorAccess;
  }) {
    this.engine = replayNotingEngine(fields.engine, this.answer);
    this.transport = fields.transport;
    this.exposeInternalErrors = fields.exposeInternalErrors;
    this.idempotencyKeyHeader = fields.idempotencyKeyHeader;
    this.secretKeys = fields.secretKeys;
    this.audit = fields.audit;
    this.clientAddress = fields.address?.text;
    this.address = fields.address;
    this.authorization = fields.authorization;
    this.access = fields.access;
  }

  get isOperator(): boolean {
    this.operator ??= this.access.isOperator(this.address, this.authorization);
    return this.operator;
  }
}
