/**
 * `count` distinct values of 0..size-1, chosen uniformly and returned in a uniformly random order.
 *
 * Floyd's sampling algorithm (R. W. Floyd, as told by J. Bentley in "A sample of brilliance",
 * 1987) picks a uniform subset with exactly `count` random indices and a set of `count` entries,
 * whatever `size` is: for j from size-count to size-1, take t uniform in [0, j]; keep t if it is
 * new, else keep j. The order it yields is not uniform (j tends to come late), so a Fisher–Yates
 * shuffle of the `count` picks follows: each prize then gets each ticket with the same
 * probability. The caller supplies the uniform indices (from stamped random bytes), which keeps
 * the function pure.
 */

/** `uniform(bound)` must return an integer uniform in [0, bound). */
export function floydSample(
  count: number,
  size: number,
  uniform: (bound: number) => number,
): number[] {
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(size) || count < 0 || count > size) {
    throw new Error(`floydSample: cannot pick ${count} of ${size} values`);
  }
  const chosen = new Set<number>();
  const picks: number[] = [];
  for (let j = size - count; j < size; j += 1) {
    const t = uniform(j + 1);
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    picks.push(pick);
  }
  for (let i = picks.length - 1; i > 0; i -= 1) {
    const r = uniform(i + 1);
    const held = picks[i] as number;
    picks[i] = picks[r] as number;
    picks[r] = held;
  }
  return picks;
}
