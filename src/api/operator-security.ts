/**
 * Operator operations as the OpenAPI document shows them: two security schemes, either of which
 * admits a caller, and the set of operations they apply to.
 *
 * The set is derived from procedure metadata (`operatorProcedure` sets `operator: true`), never
 * listed by hand, so a new operator operation is documented as guarded, with its 403
 * `manager_only`, the moment it is built on the guard. The address allowlist has no OpenAPI
 * scheme of its own; it is described as an API-key-like scheme on `X-Forwarded-For`, whose text
 * says what really decides.
 */
import type { AnyRouter } from '@trpc/server';

export const operatorSecuritySchemes = {
  managerToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      '`Authorization: Bearer <MANAGER_TOKEN>`, when the service is started with `MANAGER_TOKEN`. Admits the caller from any address.',
  },
  managerAddress: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Forwarded-For',
    description:
      'Not a key: a caller whose client address is in `MANAGER_IPS` (addresses and CIDRs, default `127.0.0.1,::1`) needs no credential. The client address is the socket peer, or, when the peer is a trusted proxy (`TRUST_PROXY`, default `loopback`), the rightmost `X-Forwarded-For` entry no trusted proxy added; entries a client writes further left are ignored.',
  },
} as const;

/** Either scheme suffices (OpenAPI reads a list of requirements as alternatives). */
export const operatorSecurity = [{ managerAddress: [] }, { managerToken: [] }];

interface ProcedureWithMeta {
  _def: { meta?: { operator?: unknown; openapi?: { operationId?: unknown } } };
}

/**
 * The REST operation ids of the router's operator procedures, named as trpc-to-openapi names
 * them (the procedure path with dots as dashes, unless the meta gives one).
 */
export function operatorOperationIds(router: AnyRouter): Set<string> {
  const ids = new Set<string>();
  const procedures = router._def.procedures as Record<string, ProcedureWithMeta>;
  for (const [path, procedure] of Object.entries(procedures)) {
    const meta = procedure._def.meta;
    if (meta?.operator !== true) continue;
    const operationId = meta.openapi?.operationId;
    ids.add(typeof operationId === 'string' ? operationId : path.replace(/\./g, '-'));
  }
  return ids;
}
