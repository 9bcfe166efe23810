/**
 * The three settings that decide who is an operator and where a request comes from:
 * `MANAGER_IPS`, `MANAGER_TOKEN` and `TRUST_PROXY`, as zod schemas for `src/server/env.ts`.
 *
 * Each is checked whole at start, so a typo in an allowlist stops the service with a message
 * naming the variable and the entry instead of quietly letting nobody (or everybody) in. The
 * token is never echoed in a message: a refusal says what is wrong with it, not what it was.
 */
import { z } from 'zod';
import { managerTokenLengthMax, managerTokenLengthMin } from '../config/limits.js';
import { formatRange, parseRange, parseRangeList } from './address-allowlist.js';

/**
 * Express's `trust proxy` setting: `false` (the socket peer is the client), `true` (trust every
 * hop: the client is the leftmost `X-Forwarded-For` entry, which the client writes), a number of
 * trusted hops, or a list of trusted proxy addresses, ranges and names.
 */
export type TrustProxy = boolean | number | readonly string[];

/** The range names express (proxy-addr) knows. */
export const trustProxyNames = ['loopback', 'linklocal', 'uniquelocal'] as const;

/** The characters of an RFC 6750 bearer token (`b64token`), so it travels in a header unchanged. */
export const bearerTokenPattern = /^[A-Za-z0-9\-._~+/]+=*$/;

export const managerIpsSchema = z
  .string()
  .default('127.0.0.1,::1')
  .transform((text, ctx) => {
    const { ranges, problems } = parseRangeList(text);
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return ranges.map(formatRange);
  });

/** An empty value counts as unset, as shells and compose files often leave one. */
export const managerTokenSchema = z
  .string()
  .optional()
  .transform((text) => (text === '' ? undefined : text))
  .pipe(
    z
      .string()
      .min(
        managerTokenLengthMin,
        `must be at least ${managerTokenLengthMin} characters (for example \`openssl rand -hex 32\`)`,
      )
      .max(managerTokenLengthMax, `must be at most ${managerTokenLengthMax} characters`)
      .regex(bearerTokenPattern, 'may hold only letters, digits and - . _ ~ + / (then = padding)')
      .optional(),
  );

export const trustProxySchema = z
  .string()
  .default('loopback')
  .transform((text, ctx): TrustProxy => {
    const value = text.trim().toLowerCase();
    if (value === 'true') return true;
    if (value === 'false') return false;
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (Number.isSafeInteger(hops)) return hops;
      ctx.addIssue({ code: 'custom', message: `'${value}' is too many hops` });
      return z.NEVER;
    }
    const entries: string[] = [];
    for (const entry of value.split(',').map((part) => part.trim())) {
      if ((trustProxyNames as readonly string[]).includes(entry)) {
        entries.push(entry);
        continue;
      }
      if (entry === '') {
        ctx.addIssue({ code: 'custom', message: 'has an empty entry (use `false` to trust none)' });
        continue;
      }
      const parsed = parseRange(entry);
      if (parsed.ok) entries.push(formatRange(parsed.range));
      else {
        ctx.addIssue({
          code: 'custom',
          message: `${parsed.message}; expected true, false, a number of hops, or addresses, CIDRs and ${trustProxyNames.join('/')}`,
        });
      }
    }
    return entries;
  });

/** Settings that work but defeat the allowlist, for a warning at start. */
export function operatorConfigWarnings(config: {
  trustProxy: TrustProxy;
  managerIps: readonly string[];
  managerToken: string | undefined;
}): string[] {
  const warnings: string[] = [];
  if (config.trustProxy === true) {
    warnings.push(
      'TRUST_PROXY=true trusts every X-Forwarded-For entry: any client can claim any address, so MANAGER_IPS and per-address limits protect nothing',
    );
  }
  if (config.managerIps.length === 0 && config.managerToken === undefined) {
    warnings.push(
      'MANAGER_IPS is empty and MANAGER_TOKEN unset: no one can use operator operations',
    );
  }
  return warnings;
}
