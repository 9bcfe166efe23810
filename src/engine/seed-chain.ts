/**
 * Committed randomness: the random bytes stamped into commands come from a hash chain whose end
 * is published (journaled) before its first link is used, so whoever runs the service cannot try
 * seeds until one suits.
 *
 * A chain of `length` links is built backwards from a secret: `s_length = secret` and
 * `s_(i-1) = SHA-256(s_i)`. Its anchor `s_0` goes into the log in an engine `commitSeeds`
 * command; the commands that need randomness then receive `s_1`, `s_2`, … in log order. Anyone
 * holding the log checks that each link hashes to the one before it and the first to the anchor;
 * nobody can compute a link before it is revealed, since that would invert SHA-256. The whole
 * chain is kept in memory (32 bytes a link, in one buffer rather than a buffer each: 65,536
 * separate links were 131,072 heap objects and 12 MB that every full collection had to mark)
 * because links are used in the order opposite to the one they are computed in; a new chain is
 * committed when one runs out.
 *
 * Computing a chain is one SHA-256 per link: about 0.2 s of the event loop here for 65,536 links.
 * Done in one go when a chain ran out, it held up every request in flight for that long, once
 * every 65,536 seeded commands. The source therefore computes the next chain ahead, a slice of
 * links per event-loop turn (`SeedChainBuilder`), from when the chain in use is half spent; a
 * chain still unfinished when it is needed is finished then.
 *
 * The trade-off stated: the operator knows the links in advance, so a command that wants
 * randomness can still be given the next link or a later one by spending links on other
 * commands — visible in the log — and a draw may mix in a public beacon value that nobody knew
 * when the chain was committed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { seedChainSliceLinks } from '../config/limits.js';
import type { Mutation } from './commands.js';

export const seedLinkBytes = 32;

export function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** The engine command that publishes a chain's anchor before any of its links is used. */
export interface CommitSeedsCommand extends Mutation {
  kind: 'engine';
  type: 'commitSeeds';
  /** The anchor `s_0`, hex. */
  anchor: string;
  /** How many links follow the anchor. */
  length: number;
  /** Public and random: names the chain, so its secret can be derived again after a restart. */
  nonce: string;
}

/**
 * Computes a chain's links from its secret, from the last link back to the anchor, a slice at a
 * time: `step(n)` computes up to n more links, so the work can be spread over event-loop turns.
 */
export class SeedChainBuilder {
  /** Link i at bytes [32 i, 32 i + 32). */
  readonly links: Buffer;
  /** Links still to compute: those below this index. */
  private lowest: number;

  constructor(
    readonly secret: Buffer,
    readonly length: number,
    readonly nonce = '',
  ) {
    if (secret.length !== seedLinkBytes) throw new Error('seed chain: the secret is 32 bytes');
    if (!Number.isSafeInteger(length) || length < 1) throw new Error('seed chain: length >= 1');
    this.links = Buffer.alloc((length + 1) * seedLinkBytes);
    secret.copy(this.links, length * seedLinkBytes);
    this.lowest = length;
  }

  /** Links not computed yet. */
  get pending(): number {
    return this.lowest;
  }

  /** Computes up to `hashes` more links (all that remain by default); true once all are done. */
  step(hashes = this.lowest): boolean {
    const stop = Math.max(0, this.lowest - hashes);
    for (let i = this.lowest; i > stop; i -= 1) {
      sha256(this.links.subarray(i * seedLinkBytes, (i + 1) * seedLinkBytes)).copy(
        this.links,
        (i - 1) * seedLinkBytes,
      );
    }
    this.lowest = stop;
    return stop === 0;
  }

  /** The chain, its remaining links computed first; `used` links count as handed out. */
  finish(used = 0): SeedChain {
    this.step();
    return new SeedChain(this.secret, this.length, used, this.nonce, this.links);
  }
}

/** One chain's secret links, handed out in order. */
export class SeedChain {
  /** Link i at bytes [32 i, 32 i + 32). */
  private readonly links: Buffer;
  private nextIndex: number;

  /**
   * @param secret the last link `s_length` (32 bytes)
   * @param used how many links were already handed out (recovered from the log)
   * @param links the chain's links already computed from `secret` (`SeedChainBuilder`)
   */
  constructor(
    readonly secret: Buffer,
    readonly length: number,
    used = 0,
    readonly nonce = '',
    links?: Buffer,
  ) {
    if (links === undefined) {
      const builder = new SeedChainBuilder(secret, length, nonce);
      builder.step();
      links = builder.links;
    }
    this.links = links;
    this.nextIndex = used + 1;
  }

  /** Link i, a view into the chain (not a copy). */
  private link(i: number): Buffer {
    return this.links.subarray(i * seedLinkBytes, (i + 1) * seedLinkBytes);
  }

  get anchor(): Buffer {
    return Buffer.from(this.link(0));
  }

  get remaining(): number {
    return this.length - this.nextIndex + 1;
  }

  get used(): number {
    return this.nextIndex - 1;
  }

  commitCommand(): CommitSeedsCommand {
    return {
      kind: 'engine',
      type: 'commitSeeds',
      anchor: this.anchor.toString('hex'),
      length: this.length,
      nonce: this.nonce,
    };
  }

  /** The next link, or undefined when the chain is spent. */
  take(): Uint8Array | undefined {
    if (this.nextIndex > this.length) return undefined;
    const link = this.link(this.nextIndex);
    this.nextIndex += 1;
    return new Uint8Array(link);
  }
}

/**
 * What the state keeps of the chain in use: checked on every seeded command, so a replay — the
 * service's own or an auditor's — refuses a log whose seeds do not follow the commitment.
 */
export interface SeedCommitment {
  anchor: string;
  length: number;
  nonce: string;
  used: number;
  /** The last link revealed (the anchor before any), hex. */
  last: string;
}

/** Why `seed` cannot be the next link of `commitment`, or undefined when it is. */
export function seedProblem(commitment: SeedCommitment, seed: Uint8Array): string | undefined {
  if (commitment.used >= commitment.length) return 'the committed seed chain is spent';
  if (sha256(seed).toString('hex') !== commitment.last) {
    return `seed ${Buffer.from(seed).toString('hex')} is not the next link of the chain committed as ${commitment.anchor}`;
  }
  return undefined;
}

/**
 * What a command that took random bytes used, so its answer can say it and a player can find it
 * in the audit log: its command number, the revealed link (hex), the chain it belongs to (the
 * anchor published in the log and the link's position, from 1) and the beacon mixed in, if any.
 * The random bytes themselves are SHA-256(link ‖ beacon), or the link alone without a beacon.
 */
export interface DrawRandomness {
  seq: number;
  link: string;
  chain?: { anchor: string; index: number } | undefined;
  beacon?: string | undefined;
}

/** The random bytes a command gets: the link, mixed with a public beacon value when one is given. */
export function effectiveSeed(link: Uint8Array, beacon: string | undefined): Uint8Array {
  return beacon === undefined ? link : new Uint8Array(sha256(link, Buffer.from(beacon, 'utf8')));
}

/** How the source spreads the computing of its next chain over event-loop turns. */
export interface SeedPreparation {
  /** Links computed per turn. @default seedChainSliceLinks */
  sliceLinks?: number | undefined;
  /** Runs a slice on a later turn. @default setImmediate, not holding the process open */
  schedule?: ((slice: () => void) => void) | undefined;
}

/**
 * Hands out the links of one chain after another: a new chain of `chainLength` links, from
 * `newChain`, starts when the current one is spent (or there is none), and its commitment is
 * returned with its first link. The next chain is computed ahead, a slice per turn, from when
 * the current one is half spent (or from the start when there is none), so that switching to it
 * costs no hashing; one not finished by then is finished at the switch.
 */
export class SeedChainSource {
  private next: SeedChainBuilder | undefined;
  private readonly sliceLinks: number;
  private readonly schedule: (slice: () => void) => void;

  constructor(
    private chain: SeedChain | undefined,
    private readonly chainLength: number,
    private readonly newChain: (length: number) => SeedChainBuilder = (length) =>
      new SeedChainBuilder(randomBytes(seedLinkBytes), length, randomBytes(16).toString('hex')),
    preparation: SeedPreparation = {},
  ) {
    this.sliceLinks = preparation.sliceLinks ?? seedChainSliceLinks;
    this.schedule = preparation.schedule ?? ((slice) => void setImmediate(slice).unref());
    if (chain === undefined) this.prepare();
  }

  /** Links of the next chain still to compute: 0 once it is ready (or none is being made). */
  get pending(): number {
    return this.next?.pending ?? 0;
  }

  private prepare(): void {
    if (this.next !== undefined) return;
    const next = this.newChain(this.chainLength);
    this.next = next;
    const slice = () => {
      // Taken into use (and so finished) meanwhile: nothing left to do.
      if (this.next === next && !next.step(this.sliceLinks)) this.schedule(slice);
    };
    this.schedule(slice);
  }

  take(): { seed: Uint8Array; commit?: CommitSeedsCommand | undefined } {
    let chain = this.chain;
    let seed = chain?.take();
    let commit: CommitSeedsCommand | undefined;
    if (chain === undefined || seed === undefined) {
      const builder = this.next ?? this.newChain(this.chainLength);
      this.next = undefined;
      chain = builder.finish();
      this.chain = chain;
      seed = chain.take();
      commit = chain.commitCommand();
    }
    // A new chain has at least one link (the builder refuses a length below 1).
    if (seed === undefined) throw new Error('seed chain: a new chain handed out no link');
    if (chain.remaining * 2 <= this.chainLength) this.prepare();
    return commit === undefined ? { seed } : { seed, commit };
  }
}
