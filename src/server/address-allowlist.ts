/**
 * Address ranges (CIDR blocks) and the allowlist built from them, for `MANAGER_IPS` and the
 * address entries of `TRUST_PROXY`.
 *
 * A range is its network bytes and a prefix length; a plain address is a range of one (`/32` or
 * `/128`). Matching is a byte-wise prefix comparison over a short list, which is cheaper than
 * anything cleverer for the handful of entries a deployment names. Ranges are checked strictly
 * at start: a host part with bits set (`10.0.0.1/8`) is refused as the likely typo it is, and zone
 * ids are refused because an allowlist entry must not depend on this host's interface names.
 * IPv4-mapped IPv6 entries (`::ffff:10.0.0.0/104`) become the IPv4 ranges they denote, since
 * client addresses are compared after the same conversion.
 */
import {
  addressBytes,
  formatAddress,
  isIpv4Mapped,
  type AddressBytes,
  type NormalisedAddress,
} from './ip-address.js';

export interface AddressRange {
  /** The network address: 4 or 16 bytes, host bits zero. */
  bytes: AddressBytes;
  /** Leading bits that must match: 0–32 for IPv4, 0–128 for IPv6. */
  prefixLength: number;
}

/** A range, or a message saying why the text is not one (the caller names the variable). */
export type RangeParse = { ok: true; range: AddressRange } | { ok: false; message: string };

/** The first `bits` bits of `bytes` kept, the rest cleared. */
function masked(bytes: AddressBytes, bits: number): AddressBytes {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    out[i] = (bytes[i] ?? 0) & ((0xff00 >> keep) & 0xff);
  }
  return out;
}

/** Parses `address` or `address/prefix` (IPv4 or IPv6, no zone id). */
export function parseRange(text: string): RangeParse {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  if (addressText.includes('%')) {
    return { ok: false, message: `'${text}' has a zone id; write the address without it` };
  }
  let bytes = addressBytes(addressText);
  if (bytes === undefined) return { ok: false, message: `'${text}' is not an IP address or CIDR` };
  const bitsMax = bytes.length * 8;
  let prefixLength = bitsMax;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bitsMax) {
      return { ok: false, message: `'${text}' needs a prefix length from 0 to ${bitsMax}` };
    }
    prefixLength = Number(prefixText);
  }
  const network = masked(bytes, prefixLength);
  if (network.some((byte, i) => byte !== bytes?.[i])) {
    const suggestion = `${formatAddress(network)}/${prefixLength}`;
    return { ok: false, message: `'${text}' has host bits set; did you mean ${suggestion}?` };
  }
  if (isIpv4Mapped(bytes) && prefixLength >= 96) {
    bytes = bytes.slice(12);
    prefixLength -= 96;
  }
  return { ok: true, range: { bytes, prefixLength } };
}

/** Canonical text of a range: the address alone for a single address, else `network/prefix`. */
export function formatRange(range: AddressRange): string {
  const address = formatAddress(range.bytes);
  return range.prefixLength === range.bytes.length * 8
    ? address
    : `${address}/${range.prefixLength}`;
}

/** Whether an address (already normalised: IPv4-mapped is IPv4) lies in the range. */
export function rangeContains(range: AddressRange, address: AddressBytes): boolean {
  if (address.length !== range.bytes.length) return false;
  const whole = range.prefixLength >> 3;
  for (let i = 0; i < whole; i += 1) if (address[i] !== range.bytes[i]) return false;
  const rest = range.prefixLength & 7;
  if (rest === 0) return true;
  const mask = (0xff00 >> rest) & 0xff;
  return ((address[whole] ?? 0) & mask) === range.bytes[whole];
}

/**
 * Splits a comma list into trimmed, non-empty entries and parses each as a range; every bad entry
 * is reported. An empty list is allowed (it matches nothing).
 */
export function parseRangeList(text: string): { ranges: AddressRange[]; problems: string[] } {
  const ranges: AddressRange[] = [];
  const problems: string[] = [];
  for (const entry of text.split(',')) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const parsed = parseRange(trimmed);
    if (parsed.ok) ranges.push(parsed.range);
    else problems.push(parsed.message);
  }
  return { ranges, problems };
}

/** A fixed set of ranges; an address is allowed when any range contains it. */
export class AddressAllowlist {
  private readonly ranges: readonly AddressRange[];

  constructor(ranges: readonly AddressRange[]) {
    this.ranges = ranges;
  }

  /** Builds the list from canonical entries (as `Config.managerIps` holds them). */
  static of(entries: readonly string[]): AddressAllowlist {
    const ranges = entries.map((entry) => {
      const parsed = parseRange(entry);
      if (!parsed.ok) throw new Error(`address allowlist: ${parsed.message}`);
      return parsed.range;
    });
    return new AddressAllowlist(ranges);
  }

  allows(address: NormalisedAddress | undefined): boolean {
    if (address === undefined) return false;
    return this.ranges.some((range) => rangeContains(range, address.bytes));
  }
}
