/**
 * Who is calling: the client address of a request, and whether the caller is an operator.
 *
 * The address is what express derives under its `trust proxy` setting (`req.ip`: the rightmost
 * address not added by a trusted proxy), normalised by `src/server/ip-address.ts`; this module
 * never reads `X-Forwarded-For` itself, so there is one rule for it in the whole service. An
 * operator is a caller whose address is in `MANAGER_IPS`, or who presents
 * `Authorization: Bearer <MANAGER_TOKEN>` when a token is configured. The token is compared as
 * SHA-256 digests with `timingSafeEqual`, so the time taken depends on neither its length nor its
 * first differing character; the price is one hash per request that sends the header.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AddressAllowlist } from './address-allowlist.js';
import { normaliseAddress } from './ip-address.js';

export interface OperatorAccessConfig {
  managerIps: readonly string[];
  managerToken: string | undefined;
}

/** The facts about a caller that procedures may use. */
export interface Caller {
  /**
   * The canonical client address; `undefined` when the trusted chain ends in something that is
   * not an IP address (a malformed `X-Forwarded-For` entry) or the socket is already gone.
   */
  clientAddress: string | undefined;
  isOperator: boolean;
}

/** `Bearer <token>`; the scheme is case-insensitive (RFC 7235), the token is RFC 6750's b64token. */
const bearerHeaderPattern = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class OperatorAccess {
  private readonly allowlist: AddressAllowlist;
  private readonly tokenDigest: Buffer | undefined;

  constructor(config: OperatorAccessConfig) {
    this.allowlist = AddressAllowlist.of(config.managerIps);
    this.tokenDigest = config.managerToken === undefined ? undefined : sha256(config.managerToken);
  }

  /** Whether an `Authorization` header carries the configured token (never, when none is set). */
  presentsToken(authorization: string | undefined): boolean {
    if (this.tokenDigest === undefined || authorization === undefined) return false;
    const match = bearerHeaderPattern.exec(authorization);
    if (match === null) return false;
    return timingSafeEqual(sha256(match[1] ?? ''), this.tokenDigest);
  }

  /** The caller of a request whose app has the service's `trust proxy` setting. */
  callerOf(req: Request): Caller {
    const address = req.ip === undefined ? undefined : normaliseAddress(req.ip);
    return {
      clientAddress: address?.text,
      isOperator: this.allowlist.allows(address) || this.presentsToken(req.headers.authorization),
    };
  }
}
