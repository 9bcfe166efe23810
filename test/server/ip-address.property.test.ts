/**
 * Address normalisation and range matching against naive references, with fixed seeds (fast-check
 * prints the seed and path of any counterexample).
 *
 * The references are deliberately different algorithms: canonical IPv6 text by trying every
 * zero run from the longest down, and range matching by expanding both sides to strings of bits.
 * Two outside oracles back them: the WHATWG URL parser's IPv6 serialisation (the same rules as
 * RFC 5952, without mixed notation) and node:net's BlockList.
 */
import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatRange,
  parseRange,
  parseRangeList,
  rangeContains,
} from '../../src/server/address-allowlist.js';
import { addressBytes, normaliseAddress } from '../../src/server/ip-address.js';

const seed = 0x5eed_0010;

// --- References -----------------------------------------------------------------------------

function groupsOfBytes(bytes: number[]): number[] {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes[i]! * 256 + bytes[i + 1]!);
  return groups;
}

/** RFC 5952 by brute force: for run lengths 8 down to 2, the first run of that many zeros wins. */
function referenceIpv6Text(groups: number[]): string {
  const hex = groups.map((group) => group.toString(16));
  for (let length = 8; length >= 2; length -= 1) {
    for (let start = 0; start + length <= 8; start += 1) {
      if (groups.slice(start, start + length).every((group) => group === 0)) {
        return `${hex.slice(0, start).join(':')}::${hex.slice(start + length).join(':')}`;
      }
    }
  }
  return hex.join(':');
}

/** The canonical text of an address given as 4 or 16 bytes: mapped IPv6 is IPv4. */
function referenceCanonical(bytes: number[]): string {
  const mapped =
    bytes.length === 16 &&
    bytes.slice(0, 10).every((byte) => byte === 0) &&
    bytes[10] === 255 &&
    bytes[11] === 255;
  if (bytes.length === 4 || mapped) return bytes.slice(-4).join('.');
  return referenceIpv6Text(groupsOfBytes(bytes));
}

const bitsOf = (bytes: ArrayLike<number>): string =>
  Array.from(bytes, (byte) => byte.toString(2).padStart(8, '0')).join('');

const textOf = (bytes: number[]): string =>
  bytes.length === 4 ? bytes.join('.') : referenceIpv6Text(groupsOfBytes(bytes));

function referenceContains(network: number[], prefix: number, address: number[]): boolean {
  if (network.length !== address.length) return false;
  return bitsOf(network).slice(0, prefix) === bitsOf(address).slice(0, prefix);
}

// --- Generators -----------------------------------------------------------------------------

/** Bytes that favour zeros (so runs of zero groups appear) and a few special values. */
const byteArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(1, 255, 127, 128) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const ipv4Arb = fc.array(byteArb, { minLength: 4, maxLength: 4 });
const ipv6Arb = fc.oneof(
  fc.array(byteArb, { minLength: 16, maxLength: 16 }),
  // IPv4-mapped addresses.
  ipv4Arb.map((v4) => [...new Array<number>(10).fill(0), 255, 255, ...v4]),
);

/** A random spelling of 16 bytes: leading zeros, case, any zero run as `::`, dotted tail. */
function spellingsOfIpv6(bytes: number[]): fc.Arbitrary<string> {
  const groups = groupsOfBytes(bytes);
  return fc
    .record({
      pads: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
      upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      dottedTail: fc.boolean(),
      compress: fc.option(fc.tuple(fc.nat(7), fc.nat(7))),
    })
    .map(({ pads, upper, dottedTail, compress }) => {
      const pieces = groups.map((group, i) => {
        const hex = group
          .toString(16)
          .padStart(Math.min(4, group.toString(16).length + pads[i]!), '0');
        return upper[i] ? hex.toUpperCase() : hex;
      });
      let count = 8;
      if (dottedTail) {
        pieces.splice(6, 2, bytes.slice(12).join('.'));
        count = 6;
      }
      if (compress !== null) {
        // Compress a run of zero groups inside the first `count` groups, if the chosen one is zero.
        const start = compress[0] % count;
        let end = start;
        while (end < count && end - start <= compress[1] && groups[end] === 0) end += 1;
        if (end > start) {
          const head = pieces.slice(0, start).join(':');
          const tail = pieces.slice(end).join(':');
          return `${head}::${tail}`;
        }
      }
      return pieces.join(':');
    });
}

const spelledAddressArb = fc.oneof(
  ipv4Arb.map((bytes) => ({ bytes, text: bytes.join('.') })),
  ipv6Arb.chain((bytes) => spellingsOfIpv6(bytes).map((text) => ({ bytes, text }))),
);

describe('address normalisation', () => {
  it('gives the reference canonical text for every spelling of an address', () => {
    fc.assert(
      fc.property(spelledAddressArb, ({ bytes, text }) => {
        const normalised = normaliseAddress(text);
        expect(normalised?.text, text).toBe(referenceCanonical(bytes));
        // Canonical text is a fixed point, and its bytes are the address (unmapped).
        expect(normaliseAddress(normalised!.text)?.text).toBe(normalised!.text);
        expect(Array.from(normalised!.bytes)).toEqual(
          referenceCanonical(bytes).includes('.') ? bytes.slice(-4) : bytes,
        );
      }),
      { seed, numRuns: 5_000 },
    );
  });

  it('agrees with the WHATWG URL serialisation of IPv6 (which follows RFC 5952)', () => {
    fc.assert(
      fc.property(fc.array(byteArb, { minLength: 16, maxLength: 16 }), (bytes) => {
        const text = referenceIpv6Text(groupsOfBytes(bytes));
        const whatwg = new URL(`http://[${text}]/`).hostname.slice(1, -1);
        const normalised = normaliseAddress(whatwg)!.text;
        if (normalised.includes('.')) return; // Mapped: WHATWG keeps it IPv6, we unmap it.
        expect(normalised).toBe(whatwg);
      }),
      { seed, numRuns: 3_000 },
    );
  });

  it.each([
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:c0a8:0101', '192.168.1.1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::', '::'],
    ['::1.2.3.4', '::102:304'],
  ])('%s is %s', (text, canonical) => {
    expect(normaliseAddress(text)?.text).toBe(canonical);
  });

  it.each([
    '',
    'localhost',
    '1.2.3',
    '01.2.3.4',
    '1.2.3.4:80',
    '[::1]',
    '::1::',
    '1.2.3.4 ',
    'g::1',
  ])('%j is no address', (text) => {
    expect(normaliseAddress(text)).toBeUndefined();
  });
});

// --- Ranges -----------------------------------------------------------------------------------

/** A range (bytes with host bits cleared) and an address near it: inside, at an edge, or past one. */
const rangeAndAddressArb = fc
  .oneof(ipv4Arb, fc.array(byteArb, { minLength: 16, maxLength: 16 }))
  .chain((raw) =>
    fc.record({
      raw: fc.constant(raw),
      prefix: fc.integer({ min: 0, max: raw.length * 8 }),
      pick: fc.constantFrom('first', 'last', 'below', 'above', 'random', 'inside'),
      other: fc.array(fc.integer({ min: 0, max: 255 }), {
        minLength: raw.length,
        maxLength: raw.length,
      }),
    }),
  )
  .map(({ raw, prefix, pick, other }) => {
    const width = raw.length * 8;
    const toBig = (bytes: number[]) => bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
    const toBytes = (value: bigint) =>
      Array.from({ length: raw.length }, (_, i) =>
        Number((value >> BigInt(8 * (raw.length - 1 - i))) & 0xffn),
      );
    const hostMask = (1n << BigInt(width - prefix)) - 1n;
    const first = toBig(raw) & ~hostMask & ((1n << BigInt(width)) - 1n);
    const last = first | hostMask;
    const top = (1n << BigInt(width)) - 1n;
    const value = {
      first,
      last,
      below: first === 0n ? top : first - 1n,
      above: last === top ? 0n : last + 1n,
      random: toBig(other),
      inside: first | (toBig(other) & hostMask),
    }[pick];
    return { network: toBytes(first), prefix, address: toBytes(value) };
  });

describe('address ranges', () => {
  it('match exactly the addresses whose leading bits agree (bit-string reference, BlockList)', () => {
    fc.assert(
      fc.property(rangeAndAddressArb, ({ network, prefix, address }) => {
        const rangeText = `${textOf(network)}/${prefix}`;
        const parsed = parseRange(rangeText);
        if (!parsed.ok) throw new Error(`${rangeText}: ${parsed.message}`);
        const normalised = normaliseAddress(textOf(address))!;
        // A mapped network of prefix 96 or more is read as IPv4, and so is a mapped address; the
        // bits compared are then the same as on the 16-byte forms. Across families nothing matches.
        const expected =
          normalised.bytes.length === parsed.range.bytes.length &&
          referenceContains(network, prefix, address);
        const label = `${textOf(address)} in ${rangeText}`;
        expect(rangeContains(parsed.range, normalised.bytes), label).toBe(expected);
        if (
          parsed.range.bytes.length === network.length &&
          normalised.bytes.length === address.length
        ) {
          const family = network.length === 4 ? 'ipv4' : 'ipv6';
          const blockList = new BlockList();
          blockList.addSubnet(textOf(network), prefix, family);
          expect(blockList.check(textOf(address), family), `BlockList: ${label}`).toBe(expected);
        }
      }),
      { seed, numRuns: 5_000 },
    );
  });

  it('edges: the first and last address are inside, their neighbours outside', () => {
    const cases: [string, string[], string[]][] = [
      ['10.0.0.0/8', ['10.0.0.0', '10.255.255.255'], ['9.255.255.255', '11.0.0.0']],
      ['192.168.1.128/25', ['192.168.1.128', '192.168.1.255'], ['192.168.1.127', '192.168.2.0']],
      ['203.0.113.7', ['203.0.113.7'], ['203.0.113.6', '203.0.113.8']],
      ['0.0.0.0/0', ['0.0.0.0', '255.255.255.255'], ['::']],
      [
        '2001:db8::/32',
        ['2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'],
        ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db9::'],
      ],
      [
        'fe80::/10',
        ['fe80::', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
        ['fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fec0::'],
      ],
      ['::1', ['::1', '0:0:0:0:0:0:0:1'], ['::2', '::', '127.0.0.1']],
      ['::ffff:10.0.0.0/104', ['10.0.0.0', '::ffff:10.255.255.255'], ['11.0.0.0']],
      ['::/0', ['::', '2001:db8::1'], ['127.0.0.1', '::ffff:127.0.0.1']],
    ];
    for (const [rangeText, inside, outside] of cases) {
      const parsed = parseRange(rangeText);
      if (!parsed.ok) throw new Error(parsed.message);
      for (const address of inside) {
        expect(
          rangeContains(parsed.range, normaliseAddress(address)!.bytes),
          `${address} in ${rangeText}`,
        ).toBe(true);
      }
      for (const address of outside) {
        expect(
          rangeContains(parsed.range, normaliseAddress(address)!.bytes),
          `${address} not in ${rangeText}`,
        ).toBe(false);
      }
    }
  });

  it('are refused when malformed, with host bits set, or with a zone id', () => {
    for (const text of [
      '10.0.0.1/8',
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/',
      '10.0.0.0/8/8',
      '10.0.0.0/-1',
      'fe80::1%eth0',
      'example.com',
      '10.0.0.0/08x',
      '::ffff:0:0/95',
    ]) {
      expect(parseRange(text).ok, text).toBe(false);
    }
    const hostBits = parseRange('10.1.2.3/8');
    expect(hostBits.ok ? '' : hostBits.message).toMatch(/did you mean 10\.0\.0\.0\/8/);
  });

  it('are written canonically, and a list skips blanks and reports every bad entry', () => {
    const list = parseRangeList(
      ' 127.0.0.1 , ,::FFFF:10.0.0.0/104, 2001:DB8:0::/48,1.2.3.4/32,nope,10.0.0.1/8',
    );
    expect(list.ranges.map(formatRange)).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '2001:db8::/48',
      '1.2.3.4',
    ]);
    expect(list.problems).toHaveLength(2);
    expect(parseRangeList('').ranges).toEqual([]);
    expect(addressBytes('::ffff:1.2.3.4')).toHaveLength(16);
  });
});
