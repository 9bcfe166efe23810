/**
 * Where the secret of the seed chain in use lives: `seed-chain.secret` in the data directory,
 * readable by the service's user only, written atomically (temporary file, fsync, rename,
 * directory fsync) when a chain starts. It lets the chain resume after a restart; whoever reads it
 * can foresee the seeds of the chain's remaining commands, so it never leaves the machine, never
 * reaches a log, and is not part of any export. When it is lost the service simply commits a new
 * chain. With `DURABILITY=none` the chain lives in memory only.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { seedChainLength } from '../config/limits.js';
import { SeedChain, SeedChainSource, type SeedCommitment } from '../engine/seed-chain.js';

const fileName = 'seed-chain.secret';

function save(dataDir: string, chain: SeedChain): void {
  const path = join(dataDir, fileName);
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify({ secret: chain.secret.toString('hex'), length: chain.length }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const dir = openSync(dataDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** The chain that `commitment` (the recovered state's) names, if this directory holds its secret. */
function resume(dataDir: string, commitment: SeedCommitment | undefined): SeedChain | undefined {
  const path = join(dataDir, fileName);
  if (commitment === undefined || !existsSync(path)) return undefined;
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { secret: string; length: number };
    const chain = new SeedChain(Buffer.from(saved.secret, 'hex'), saved.length, commitment.used);
    return chain.anchor.toString('hex') === commitment.anchor ? chain : undefined;
  } catch {
    return undefined;
  }
}

/** The seed source of a service: resumes the committed chain when it can, else starts a new one. */
export function seedSourceFor(
  dataDir: string | undefined,
  commitment: SeedCommitment | undefined,
): SeedChainSource {
  if (dataDir === undefined) return new SeedChainSource(undefined, seedChainLength);
  return new SeedChainSource(resume(dataDir, commitment), seedChainLength, (chain) =>
    save(dataDir, chain),
  );
}
