/**
 * What every draw endpoint takes and answers about its randomness: an optional public beacon
 * value the operator names (a drand round, say), recorded in the command and mixed into the
 * draw's random bytes, and the draw's `randomness` — its command number in the audit log, the
 * seed-chain link it revealed, the chain's anchor and the link's position, and the beacon — so a
 * player can find the draw in `GET /api/audit/log` and recompute it.
 */
import { z } from 'zod';
import { beaconLengthMax } from '../config/limits.js';
import type { DrawRandomness } from '../engine/seed-chain.js';

export const beaconInput = z
  .string()
  .min(1)
  .max(beaconLengthMax)
  .regex(/^[^\p{Cc}]*$/u, 'no control characters')
  .optional()
  .meta({
    description:
      'Optional public beacon value (for example `drand:<round>:<randomness>`), recorded with the draw and mixed into its random bytes: SHA-256(seed-chain link ‖ beacon).',
    example: 'drand:5000000:3b5f…',
  });

export const randomnessOutput = z
  .object({
    seq: z
      .number()
      .int()
      .min(1)
      .meta({ description: 'The draw’s command number in the audit log.' }),
    link: z.string().meta({ description: 'The seed-chain link the draw revealed (hex).' }),
    chain: z
      .object({
        anchor: z
          .string()
          .meta({ description: 'The chain’s anchor, published in the log before.' }),
        index: z.number().int().min(1).meta({ description: 'The link’s position in the chain.' }),
      })
      .optional(),
    beacon: z.string().optional().meta({ description: 'The beacon value mixed in, if any.' }),
  })
  .optional()
  .meta({
    id: 'DrawRandomness',
    description:
      'Where the draw’s random bytes came from (in the answer of the draw itself; listings leave it out).',
  });

/** The randomness of a kind's draw answer as the API shows it. */
export function randomnessView(randomness: DrawRandomness | undefined) {
  if (randomness === undefined) return {};
  const { seq, link, chain, beacon } = randomness;
  return {
    randomness: {
      seq,
      link,
      ...(chain === undefined ? {} : { chain: { ...chain } }),
      ...(beacon === undefined ? {} : { beacon }),
    },
  };
}
