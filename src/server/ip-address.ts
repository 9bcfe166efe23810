/**
 * IP addresses as text and as bytes, and the one spelling of each that the service compares and
 * stores.
 *
 * The same client can be written many ways: `::ffff:127.0.0.1` (an IPv4 client seen by a
 * dual-stack socket) is `127.0.0.1`, and `0:0:0:0:0:0:0:1`, `::0001` and `::1` are one address. So
 * every address is parsed to its 4 or 16 bytes and written back in one canonical form: dotted
 * decimal for IPv4, RFC 5952 for IPv6 (lower case, no leading zeros, the longest run of two or
 * more zero groups shortened to `::`, the leftmost on a tie). node:net's `isIPv4`/`isIPv6` decide
 * what is an address; the small parser below only converts text they accepted, which keeps it
 * short at the price of validating twice.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type AddressBytes = Uint8Array;

/** An address from a request, in canonical text and as bytes (IPv4-mapped IPv6 already IPv4). */
export interface NormalisedAddress {
  text: string;
  bytes: AddressBytes;
}

function ipv4Bytes(text: string): AddressBytes {
  return Uint8Array.from(text.split('.'), Number);
}

/** The 16-bit groups of one side of `::` (text `isIPv6` accepted, so every piece is well formed). */
function groupsOf(part: string): number[] {
  if (part === '') return [];
  const groups: number[] = [];
  for (const piece of part.split(':')) {
    if (piece.includes('.')) {
      const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(piece);
      groups.push((a << 8) | b, (c << 8) | d);
    } else {
      groups.push(Number.parseInt(piece, 16));
    }
  }
  return groups;
}

function ipv6Bytes(text: string): AddressBytes {
  const halves = text.split('::');
  const left = groupsOf(halves[0] ?? '');
  const right = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const zeros = 8 - left.length - right.length;
  if (zeros < 0 || halves.length > 2 || (halves.length === 1 && zeros !== 0)) {
    throw new Error(`ip-address: '${text}' passed isIPv6 but has the wrong number of groups`);
  }
  const groups = [...left, ...new Array<number>(zeros).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/**
 * The bytes of an IP address written without a zone id (`fe80::1%eth0` is refused here), exactly
 * as written: IPv4-mapped IPv6 stays 16 bytes. `undefined` if the text is not an address.
 */
export function addressBytes(text: string): AddressBytes | undefined {
  if (isIPv4(text)) return ipv4Bytes(text);
  if (text.includes('%') || !isIPv6(text)) return undefined;
  return ipv6Bytes(text);
}

/** Whether 16 bytes are an IPv4-mapped IPv6 address (`::ffff:0:0/96`). */
export function isIpv4Mapped(bytes: AddressBytes): boolean {
  if (bytes.length !== 16) return false;
  for (let i = 0; i < 10; i += 1) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** IPv4-mapped IPv6 becomes the IPv4 address it carries; anything else is returned as it is. */
export function unmapped(bytes: AddressBytes): AddressBytes {
  return isIpv4Mapped(bytes) ? bytes.slice(12) : bytes;
}

/** Canonical text of 4 or 16 bytes: dotted decimal, or RFC 5952 section 4 for IPv6. */
export function formatAddress(bytes: AddressBytes): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) throw new Error(`ip-address: ${bytes.length} bytes is no address`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // The longest run of zero groups, if it is at least two long; the first such run on a tie.
  let runStart = -1;
  let runLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - i > runLength) {
      runStart = i;
      runLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (runStart < 0) return hex.join(':');
  const head = hex.slice(0, runStart).join(':');
  const tail = hex.slice(runStart + runLength).join(':');
  return `${head}::${tail}`;
}

/**
 * The canonical form of an address a request came from. A zone id (`fe80::1%eth0`) is dropped: it
 * names an interface of this host, not the client. IPv4-mapped IPv6 becomes IPv4. `undefined` if
 * the text is not an IP address at all (for example a malformed `X-Forwarded-For` entry, or one
 * with a port or brackets).
 */
export function normaliseAddress(text: string): NormalisedAddress | undefined {
  const zone = text.indexOf('%');
  const bare = zone >= 0 && isIPv6(text) ? text.slice(0, zone) : text;
  const bytes = addressBytes(bare);
  if (bytes === undefined) return undefined;
  const canonical = unmapped(bytes);
  return { text: formatAddress(canonical), bytes: canonical };
}
