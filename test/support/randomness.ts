/**
 * Draw answers carry where their random bytes came from (`randomness`: the command number, the
 * link, the chain and beacon when there are any). Reference models know nothing of the log, so
 * property tests check that part against the stamped command here and compare the rest with the
 * model.
 */
import { expect } from 'vitest';
import type { StampedCommand } from '../../src/engine/commands.js';

export function withoutRandomness<O extends { ok: boolean }>(
  outcome: O,
  stamped: StampedCommand,
): O {
  if (!outcome.ok) return outcome;
  const { value } = outcome as unknown as { value: Record<string, unknown> };
  const { randomness, ...rest } = value;
  const beacon = stamped.command.beacon;
  expect(randomness).toEqual({
    seq: stamped.seq,
    link: Buffer.from(stamped.seed as Uint8Array).toString('hex'),
    ...(typeof beacon === 'string' ? { beacon } : {}),
  });
  return { ...outcome, value: rest };
}

/** A draw answer without its `randomness`, as listings show the draw. */
export function asListed<T extends Record<string, unknown>>(answer: T): Omit<T, 'randomness'> {
  const rest = { ...answer };
  delete rest.randomness;
  return rest;
}
