import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertLimitsConsistent } from '../../src/config/limits.js';
import { defaultConfig, envSchema, parseEnv } from '../../src/server/env.js';

describe('configuration', () => {
  it('defaults: port 3000 on 127.0.0.1 with raffle main', () => {
    const config = parseEnv({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', defaultRaffleId: 'main' });
    expect(config.countMax).toBe(1_000_000_000);
  });

  it('reads every limit from the environment', () => {
    const config = parseEnv({
      PORT: '8080',
      HOST: '0.0.0.0',
      DEFAULT_RAFFLE_ID: 'spring',
      COUNT_MAX: '50',
      RAFFLES_MAX: '3',
      PARTICIPANTS_PER_RAFFLE_MAX: '10',
      QUEUE_LENGTH_MAX: '200',
      BATCH_SIZE_MAX: '20',
      BODY_BYTES_MAX: '4096',
      SHUTDOWN_GRACE_MS: '100',
      NODE_ENV: 'production',
      LOG_REQUESTS: 'true',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      defaultRaffleId: 'spring',
      countMax: 50,
      rafflesMax: 3,
      participantsPerRaffleMax: 10,
      queueLengthMax: 200,
      batchSizeMax: 20,
      bodyBytesMax: 4096,
      shutdownGraceMs: 100,
      exposeInternalErrors: false,
      logRequests: true,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ COUNT_MAX: '0' }, 'COUNT_MAX'],
    [{ COUNT_MAX: '9007199254740992' }, 'COUNT_MAX'],
    [{ DEFAULT_RAFFLE_ID: 'Not A Slug' }, 'DEFAULT_RAFFLE_ID'],
    [{ PARTICIPANTS_PER_RAFFLE_MAX: '20000000' }, 'PARTICIPANTS_PER_RAFFLE_MAX'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ LOG_REQUESTS: 'yes' }, 'LOG_REQUESTS'],
    [{ COMMAND_LOG: 'redis' }, 'COMMAND_LOG'],
    [{ COMMAND_LOG: 'etcd' }, 'ETCD_ENDPOINTS'],
    [{ COMMAND_LOG: 'etcd', ETCD_ENDPOINTS: ' , ' }, 'ETCD_ENDPOINTS'],
    [{ ETCD_ENDPOINTS: 'ftp://127.0.0.1:2379' }, 'ETCD_ENDPOINTS'],
    [{ ETCD_TIMEOUT_MS: '10' }, 'ETCD_TIMEOUT_MS'],
    [{ INSTANCE_ID: 'has space' }, 'INSTANCE_ID'],
  ])('refuses %o naming %s', (env, name) => {
    expect(() => parseEnv(env)).toThrow(new RegExp(name));
  });

  it('shared log: COMMAND_LOG=etcd with a comma list of endpoints, the rest optional', () => {
    expect(parseEnv({})).toMatchObject({ commandLog: 'journal', etcdEndpoints: [] });
    const config = parseEnv({
      COMMAND_LOG: 'etcd',
      ETCD_ENDPOINTS: 'http://127.0.0.1:23790, http://127.0.0.1:23792,http://[::1]:23794',
    });
    expect(config).toMatchObject({
      commandLog: 'etcd',
      etcdEndpoints: ['http://127.0.0.1:23790', 'http://127.0.0.1:23792', 'http://[::1]:23794'],
      etcdPrefix: 'raffle/',
      etcdTimeoutMs: 2_000,
      instanceId: undefined,
    });
    expect(parseEnv({ INSTANCE_ID: 'node-1', ETCD_PREFIX: 'shop/' })).toMatchObject({
      instanceId: 'node-1',
      etcdPrefix: 'shop/',
    });
  });

  it('refuses limits that contradict each other', () => {
    expect(() => parseEnv({ QUEUE_LENGTH_MAX: '10', BATCH_SIZE_MAX: '100' })).toThrow(
      /queueLengthMax/,
    );
    expect(() => assertLimitsConsistent({ ...defaultConfig(), countMax: 1.5 })).toThrow(
      /safe integer/,
    );
  });

  it('README: the configuration table lists every variable the service reads', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(envSchema.shape)) {
      expect(readme, name).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
    }
  });
});
