/**
 * Where the server secret comes from: the secret behind the keyed hashes of verification codes,
 * the pseudonyms of client addresses and the seals of codes in idempotency records.
 *
 * In order: `SECRET_KEY` when set (the secret then lives outside the data directory, so a copy of
 * the directory alone cannot test guesses of addresses against pseudonyms); else, when the
 * service journals, the file `secret.key` in `DATA_DIR`, created once with 32 random bytes as hex
 * and mode 0600 and read on every later start, so codes verify across restarts; else (memory
 * only) a random secret that lives as long as the process, like everything else. The file's text
 * is used exactly as `SECRET_KEY` would be, so an operator can move it into the environment
 * without invalidating a single code. Changing the secret makes every earlier code unverifiable.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { secretKeyLengthMin } from '../config/limits.js';
import type { Config } from './env.js';
import { HkdfSecretKeys } from './hkdf-secret-keys.js';

export const secretFileName = 'secret.key';

export type SecretSource = 'environment' | 'file' | 'new file' | 'memory';

export interface ServerSecret {
  keys: HkdfSecretKeys;
  source: SecretSource;
}

function readSecretFile(path: string, logger: Logger): Buffer {
  const text = readFileSync(path, 'utf8').trim();
  if (text.length < secretKeyLengthMin) {
    throw new Error(
      `${path} holds ${text.length} characters; a secret needs ${secretKeyLengthMin}`,
    );
  }
  if ((statSync(path).mode & 0o077) !== 0) {
    logger.warn({ path }, 'the secret key file is readable by other users; chmod 600 it');
  }
  return Buffer.from(text, 'utf8');
}

/** Creates the file, or reads it when another start created it first; false if it existed. */
function createSecretFile(path: string, dir: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, randomBytes(32).toString('hex'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const directory = openSync(dir, 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
  return true;
}

/**
 * The server secret under `config`. `hasState` says whether the data directory already held
 * state: a secret created for such a directory cannot verify the codes handed out before it.
 */
export function loadServerSecret(
  config: Pick<Config, 'secretKey' | 'durability' | 'dataDir'>,
  logger: Logger,
  hasState: boolean,
): ServerSecret {
  if (config.secretKey !== undefined) {
    return {
      keys: new HkdfSecretKeys(Buffer.from(config.secretKey, 'utf8')),
      source: 'environment',
    };
  }
  if (config.durability === 'none') return { keys: HkdfSecretKeys.random(), source: 'memory' };
  mkdirSync(config.dataDir, { recursive: true });
  const path = join(config.dataDir, secretFileName);
  const created = createSecretFile(path, config.dataDir);
  if (created && hasState) {
    logger.warn(
      { path },
      'created a new secret key for a data directory that already holds state: verification codes handed out before cannot be verified',
    );
  }
  return {
    keys: new HkdfSecretKeys(readSecretFile(path, logger)),
    source: created ? 'new file' : 'file',
  };
}
