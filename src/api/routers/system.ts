/**
 * Diagnostics: a no-op procedure for measuring what the HTTP and tRPC stack costs by itself.
 *
 * `noop` takes the same input as issuing tickets (less the raffle id in the path), validated by the
 * same zod schemas, and answers a fixed object checked by an output schema, but touches neither the
 * engine nor the command queue. Load tools compare its throughput with `tickets.issue`: the gap is
 * what the queue, the ledger and the journal cost; the noop itself is the framework's ceiling.
 */
import { z } from 'zod';
import type { Schemas } from '../schemas.js';
import { publicProcedure, router } from '../trpc.js';

export function systemRouter(schemas: Schemas) {
  return router({
    noop: publicProcedure
      .meta({
        refuses: [],
        queued: false,
        openapi: {
          method: 'POST',
          path: '/noop',
          tags: ['system'],
          summary: 'No-op (diagnostic)',
          description:
            'Validates an issue-shaped body (`username`, `count`) and answers `{ ok: true }` without touching the raffle state. For measuring the cost of the HTTP, tRPC and validation layers.',
        },
      })
      .input(schemas.issueInput.omit({ raffleId: true }))
      .output(z.object({ ok: z.literal(true) }).meta({ id: 'NoopResult' }))
      .mutation(() => ({ ok: true as const })),
  });
}
