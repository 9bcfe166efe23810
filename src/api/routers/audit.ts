/**
 * The audit head: where the service's hash-chained command log stands now, so a player can pin
 * an export (`GET /api/audit/log`, served beside the REST surface by `src/server/audit-log.ts`)
 * to what the service published. Public: it reveals counts and hashes only.
 *
 * The state digest walks the whole state, so it comes from a cache (`src/server/state-digest.ts`)
 * and says which sequence number and head hash it belongs to; the head itself is always current.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc.js';

const hex = z.string().regex(/^[0-9a-f]{64}$/);

export const auditHeadSchema = z
  .object({
    seq: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Sequence number of the last command applied.' }),
    head: hex.meta({ description: 'The audit chain hash after that command (SHA-256, hex).' }),
    stateDigest: z
      .object({
        seq: z.number().int().min(0),
        head: hex,
        sha256: hex.meta({ description: 'SHA-256 of the canonical text of the whole state.' }),
      })
      .meta({
        description:
          'The state digest at `seq` (recomputed at most every so often): an export verified up to that command reaches it.',
      }),
  })
  .meta({ id: 'AuditHead' });

export type AuditHead = z.infer<typeof auditHeadSchema>;

export function auditRouter() {
  return router({
    head: publicProcedure
      .meta({
        refuses: [],
        queued: false,
        openapi: {
          method: 'GET',
          path: '/audit/head',
          tags: ['audit'],
          summary: 'Audit chain head',
          description:
            'The sequence number, the audit chain head hash and the state digest. The log behind it is `GET /api/audit/log?from=&limit=` (NDJSON, see the README); `npx raffle-verify` checks it offline.',
        },
      })
      .input(z.object({}))
      .output(auditHeadSchema)
      .query(({ ctx }) => {
        if (ctx.audit === undefined) {
          throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'No audit head.' });
        }
        return ctx.audit.head();
      }),
  });
}
