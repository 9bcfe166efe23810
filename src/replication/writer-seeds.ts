/**
 * Committed randomness on a shared log: the seed chains of one writer.
 *
 * The state holds one commitment, the last `commitSeeds` in the log, and every seeded command must
 * carry the next link of that chain. On a shared log each instance knows only its own chain's
 * secret, so a writer whose chain is not the one committed (another instance committed since, or
 * its own is spent) commits a new chain in the same entry, just before the first command that
 * needs a seed: entries are applied whole and in log order behind the fence, so nothing comes
 * between the commitment and its links. Links are taken by position from the state's commitment
 * (`used + 1`), never from a counter of the writer's, so an entry lost to another writer and
 * stamped again takes the same links. Chains are short (`length`), because instances taking turns
 * at seeded commands start chains often: each costs `length` SHA-256 at the writer and one small
 * command in the log. The secret stays in memory; after a restart the writer simply commits anew.
 */
import { randomBytes } from 'node:crypto';
import type { CommitSeedsCommand, SeedCommitment } from '../engine/seed-chain.js';
import { seedLinkBytes, sha256 } from '../engine/seed-chain.js';

interface Chain {
  anchor: string;
  /** `links[0]` is the anchor, `links[length]` the secret. */
  links: Buffer[];
}

export class WriterSeeds {
  private chain: Chain | undefined;

  constructor(private readonly length: number) {
    if (!Number.isSafeInteger(length) || length < 1) throw new Error('WriterSeeds: length >= 1');
  }

  /**
   * The next seed for a command stamped after `working` (the state's commitment as the entry being
   * built leaves it; updated here), and the commitment to put before it when a new chain starts.
   */
  take(working: { commitment: SeedCommitment | undefined }): {
    seed: Uint8Array;
    commit?: CommitSeedsCommand | undefined;
  } {
    let commit: CommitSeedsCommand | undefined;
    const current = working.commitment;
    if (
      this.chain === undefined ||
      current === undefined ||
      current.anchor !== this.chain.anchor ||
      current.used >= current.length
    ) {
      const links = new Array<Buffer>(this.length + 1);
      links[this.length] = randomBytes(seedLinkBytes);
      for (let i = this.length; i > 0; i -= 1) links[i - 1] = sha256(links[i] as Buffer);
      const anchor = (links[0] as Buffer).toString('hex');
      this.chain = { anchor, links };
      // The nonce names a chain whose secret can be derived again; these secrets are random and
      // kept in memory only, so it stays empty.
      commit = { kind: 'engine', type: 'commitSeeds', anchor, length: this.length, nonce: '' };
      working.commitment = { anchor, length: this.length, nonce: '', used: 0, last: anchor };
    }
    const next = working.commitment as SeedCommitment;
    const link = this.chain.links[next.used + 1] as Buffer;
    working.commitment = { ...next, used: next.used + 1, last: link.toString('hex') };
    return { seed: new Uint8Array(link), commit };
  }
}
