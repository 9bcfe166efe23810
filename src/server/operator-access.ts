/**
 * Who is calling: the client address of a request, and whether the caller is an operator.
 *
 * The address is what `request-context.ts` derives under the `TRUST_PROXY` rule (the rightmost
 * address not added by a trusted proxy, as express's `req.ip`), normalised by
 * `src/server/ip-address.ts`; this module never reads `X-Forwarded-For` itself, so there is one
 * rule for it in the whole service. An
 * operator is a caller whose address is in `MANAGER_IPS`, or who presents
 * `Authorization: Bearer <MANAGER_TOKEN>` when a token is configured. The token is compared as
 * SHA-256 digests with `timingSafeEqual`, so the time taken depends on neither its length nor its
 * first differing character; the price is one hash per request that sends the header.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AddressAllowlist } from './address-allowlist.js';
import type { NormalisedAddress } from './ip-address.js';

export interface OperatorAccessConfig {
  managerIps: readonly string[];
  managerToken: string | undefined;
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

  /** Whether a caller at `address` (under the `TRUST_PROXY` rule) sending `authorization` is one. */
  isOperator(address: NormalisedAddress | undefined, authorization: string | undefined): boolean {
    return this.allowlist.allows(address) || this.presentsToken(authorization);
  }
}
