/**
 * Exact prize probabilities: each one read as the decimal it was written as, and one uniform
 * number that picks a prize or nothing.
 *
 * A probability arrives as a JSON number, which is a binary double: 0.56 + 0.34 + 0.1 sums to
 * 1.0000000000000002 in floating point. Here each probability is turned back into the shortest
 * decimal that reads as the same double (`String(p)`: `0.56`, `0.34`, `0.1`) and kept as an
 * integer numerator over a power of ten, so sums and comparisons are exact integer arithmetic and
 * 0.56 + 0.34 + 0.10 is exactly 1. The draw then takes one integer uniformly from [0, 10^d)
 * (`d` the most decimals any prize uses) by rejection sampling over the command's stamped byte
 * stream, which has no modulo bias, and walks the cumulative numerators: prize `i` is picked with
 * exactly its written probability and nothing with one minus their sum. The price is BigInt
 * arithmetic per draw (numbers such as 1/3 need 16 decimals, past what a double holds exactly),
 * a few hundred nanoseconds.
 */
import { campaignProbabilityDecimalsMax } from '../../config/limits.js';

/** A probability as an exact decimal: `numerator / 10^decimals`. */
export interface ExactDecimal {
  numerator: bigint;
  decimals: number;
}

const decimalPattern = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * The shortest decimal that reads back as `value` (a finite number ≥ 0), exactly; undefined when
 * it needs more than `campaignProbabilityDecimalsMax` decimals.
 */
export function exactDecimalOf(value: number): ExactDecimal | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const match = decimalPattern.exec(String(value));
  if (match === null) return undefined;
  const fraction = match[2] ?? '';
  const exponent = Number(match[3] ?? '0') - fraction.length;
  const digits = BigInt(`${match[1] as string}${fraction}`);
  if (exponent >= 0) return { numerator: digits * 10n ** BigInt(exponent), decimals: 0 };
  if (-exponent > campaignProbabilityDecimalsMax) return undefined;
  return { numerator: digits, decimals: -exponent };
}

/** The cumulative thresholds of a campaign's prizes over one common scale. */
export interface PrizeOdds {
  /** 10^decimals: the number of equally likely outcomes of one draw. */
  readonly scale: bigint;
  /** `upper[i]`: sum of the numerators of prizes 0..i over `scale`; prize i owns [upper[i-1], upper[i]). */
  readonly upper: readonly bigint[];
  /** Bits of one candidate and the mask of its top byte, for rejection sampling. */
  readonly candidateBytes: number;
  readonly topByteMask: number;
}

export type OddsProblem =
  { kind: 'not_decimal'; index: number } | { kind: 'sum_exceeds_one'; sum: string };

/** The odds of `probabilities` (each in (0, 1]), or why they are refused. */
export function prizeOddsOf(
  probabilities: readonly number[],
): { ok: true; odds: PrizeOdds } | { ok: false; problem: OddsProblem } {
  const exact: ExactDecimal[] = [];
  for (let index = 0; index < probabilities.length; index += 1) {
    const decimal = exactDecimalOf(probabilities[index] as number);
    if (decimal === undefined) return { ok: false, problem: { kind: 'not_decimal', index } };
    exact.push(decimal);
  }
  const decimals = exact.reduce((most, d) => Math.max(most, d.decimals), 0);
  const scale = 10n ** BigInt(decimals);
  const upper: bigint[] = [];
  let sum = 0n;
  for (const d of exact) {
    sum += d.numerator * 10n ** BigInt(decimals - d.decimals);
    upper.push(sum);
  }
  if (sum > scale)
    return { ok: false, problem: { kind: 'sum_exceeds_one', sum: decimalText(sum, decimals) } };
  const bits = (scale - 1n).toString(2).length;
  const candidateBytes = Math.ceil(bits / 8);
  const topBits = bits - 8 * (candidateBytes - 1);
  return { ok: true, odds: { scale, upper, candidateBytes, topByteMask: (1 << topBits) - 1 } };
}

/** `numerator / 10^decimals` written as a decimal, for messages. */
export function decimalText(numerator: bigint, decimals: number): string {
  if (decimals === 0) return numerator.toString();
  const digits = numerator.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

/** A uniform integer in [0, odds.scale), by rejection: each try succeeds with probability > 1/2. */
export function uniformOutcome(odds: PrizeOdds, stream: { nextByte(): number }): bigint {
  if (odds.scale === 1n) return 0n;
  for (;;) {
    let value = BigInt(stream.nextByte() & odds.topByteMask);
    for (let i = 1; i < odds.candidateBytes; i += 1)
      value = (value << 8n) | BigInt(stream.nextByte());
    if (value < odds.scale) return value;
  }
}

/** The prize index an outcome falls on, or -1 for the share of nothing. */
export function prizeAt(odds: PrizeOdds, outcome: bigint): number {
  for (let i = 0; i < odds.upper.length; i += 1) {
    if (outcome < (odds.upper[i] as bigint)) return i;
  }
  return -1;
}
