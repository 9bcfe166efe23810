/**
 * The edge's secrets of a claim: codes, keyed hashes, holder pseudonyms and seals, and where the
 * server secret comes from (environment, a key file made once with mode 0600, or memory).
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { newVerificationCode, PrizeCodes } from '../../src/api/prize-codes.js';
import { parseEnv } from '../../src/server/env.js';
import { HkdfSecretKeys } from '../../src/server/hkdf-secret-keys.js';
import { loadServerSecret, secretFileName } from '../../src/server/server-secret.js';

const logger = pino({ level: 'silent' });
const scratch = mkdtempSync(join(tmpdir(), 'raffle-prize-secret-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const codesWith = (secret: string) => new PrizeCodes(new HkdfSecretKeys(Buffer.from(secret)));

describe('verification codes and keyed hashes', () => {
  const codes = codesWith('a server secret of thirty-two chars!');

  it('codes carry 128 random bits: 22 base64url characters, all different', () => {
    const many = Array.from({ length: 2_000 }, newVerificationCode);
    for (const code of many) expect(Buffer.from(code, 'base64url')).toHaveLength(16);
    for (const code of many) expect(code).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(many).size).toBe(many.length);
  });

  it('hashes and pseudonyms are 22 characters, stable under one secret, different under another', () => {
    const code = newVerificationCode();
    expect(codes.codeHash('r', code)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(codes.codeHash('r', code)).toBe(codes.codeHash('r', code));
    expect(codes.codeHash('r', code)).not.toBe(codes.codeHash('s', code));
    expect(codes.codeHash('r', code)).not.toContain(code);
    expect(codesWith('another server secret, 32 chars..').codeHash('r', code)).not.toBe(
      codes.codeHash('r', code),
    );
    expect(codes.holderOf('r', '192.0.2.1')).toBe(codes.holderOf('r', '192.0.2.1'));
    expect(codes.holderOf('r', '192.0.2.1')).not.toBe(codes.holderOf('r', '192.0.2.2'));
    // One address is not linkable across raffles by its pseudonym.
    expect(codes.holderOf('r', '192.0.2.1')).not.toBe(codes.holderOf('s', '192.0.2.1'));
  });

  it('a seal opens with the same idempotency key and raffle only', () => {
    const code = newVerificationCode();
    const sealed = codes.seal('key-1', 'r', code);
    expect(sealed).not.toContain(code);
    expect(codes.seal('key-1', 'r', code)).not.toBe(sealed);
    expect(codes.open('key-1', 'r', sealed)).toBe(code);
    expect(codes.open('key-2', 'r', sealed)).toBeUndefined();
    expect(codes.open('key-1', 's', sealed)).toBeUndefined();
    expect(
      codesWith('another server secret, 32 chars..').open('key-1', 'r', sealed),
    ).toBeUndefined();
    const tampered = Buffer.from(sealed, 'base64url');
    tampered[14] = (tampered[14] as number) ^ 1;
    expect(codes.open('key-1', 'r', tampered.toString('base64url'))).toBeUndefined();
    expect(codes.open('key-1', 'r', 'short')).toBeUndefined();
  });
});

describe('server secret', () => {
  it('SECRET_KEY: 32–1024 printable characters; empty is unset; anything else stops the start', () => {
    expect(parseEnv({}).secretKey).toBeUndefined();
    expect(parseEnv({ SECRET_KEY: '' }).secretKey).toBeUndefined();
    expect(parseEnv({ SECRET_KEY: 'k'.repeat(32) }).secretKey).toBe('k'.repeat(32));
    expect(() => parseEnv({ SECRET_KEY: 'k'.repeat(31) })).toThrow(/SECRET_KEY/);
    expect(() => parseEnv({ SECRET_KEY: `${'k'.repeat(32)} x` })).toThrow(/SECRET_KEY/);
    expect(() => parseEnv({ SECRET_KEY: 'k'.repeat(1025) })).toThrow(/SECRET_KEY/);
  });

  it('SECRET_KEY wins; without a journal the secret lives in memory', () => {
    const fromEnv = loadServerSecret(
      { secretKey: 'x'.repeat(40), durability: 'fsync', dataDir: join(scratch, 'unused') },
      logger,
      false,
    );
    expect(fromEnv.source).toBe('environment');
    expect(() => statSync(join(scratch, 'unused'))).toThrow();
    const same = new HkdfSecretKeys(Buffer.from('x'.repeat(40)));
    expect(fromEnv.keys.derive('p')).toEqual(same.derive('p'));
    const memory = loadServerSecret(
      { secretKey: undefined, durability: 'none', dataDir: scratch },
      logger,
      false,
    );
    expect(memory.source).toBe('memory');
    expect(memory.keys.derive('p')).not.toEqual(same.derive('p'));
  });

  it('with a journal: a key file made once (mode 0600), read back on every start, usable as SECRET_KEY', () => {
    const dataDir = join(scratch, 'data');
    const config = { secretKey: undefined, durability: 'fsync' as const, dataDir };
    const first = loadServerSecret(config, logger, false);
    expect(first.source).toBe('new file');
    const path = join(dataDir, secretFileName);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}$/);
    const second = loadServerSecret(config, logger, true);
    expect(second.source).toBe('file');
    expect(second.keys.derive('p')).toEqual(first.keys.derive('p'));
    const moved = loadServerSecret({ ...config, secretKey: text }, logger, true);
    expect(moved.keys.derive('p')).toEqual(first.keys.derive('p'));
  });

  it('a key file too short to be a secret stops the start', () => {
    const dataDir = join(scratch, 'short');
    loadServerSecret({ secretKey: undefined, durability: 'fsync', dataDir }, logger, false);
    writeFileSync(join(dataDir, secretFileName), 'tiny');
    expect(() =>
      loadServerSecret({ secretKey: undefined, durability: 'fsync', dataDir }, logger, true),
    ).toThrow(/holds 4 characters/);
  });
});
