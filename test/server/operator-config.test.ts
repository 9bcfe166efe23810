/**
 * `MANAGER_IPS`, `MANAGER_TOKEN` and `TRUST_PROXY`: defaults, accepted spellings, refusals that
 * name the variable (and never echo the token), values express accepts, and start-up warnings.
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/server/env.js';
import { operatorConfigWarnings } from '../../src/server/operator-config.js';

describe('operator configuration', () => {
  it('defaults: loopback operators, no token, loopback proxies', () => {
    const config = parseEnv({});
    expect(config.managerIps).toEqual(['127.0.0.1', '::1']);
    expect(config.managerToken).toBeUndefined();
    expect(config.trustProxy).toEqual(['loopback']);
  });

  it('reads address lists in canonical form; an empty list is allowed', () => {
    expect(
      parseEnv({ MANAGER_IPS: ' 10.0.0.0/8, 2001:DB8:0::/32 ,::ffff:192.168.0.1,' }).managerIps,
    ).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.168.0.1']);
    expect(parseEnv({ MANAGER_IPS: '' }).managerIps).toEqual([]);
  });

  it.each([
    ['false', false],
    ['TRUE', true],
    ['0', 0],
    ['2', 2],
    [' loopback , 10.0.0.0/8,UNIQUELOCAL, ::1 ', ['loopback', '10.0.0.0/8', 'uniquelocal', '::1']],
    ['linklocal', ['linklocal']],
    ['::ffff:10.0.0.0/104', ['10.0.0.0/8']],
  ])('TRUST_PROXY=%j is %j', (text, value) => {
    expect(parseEnv({ TRUST_PROXY: text }).trustProxy).toEqual(value);
  });

  it('every TRUST_PROXY value it accepts is one express accepts', () => {
    for (const text of [
      'false',
      'true',
      '3',
      'loopback,linklocal,uniquelocal',
      '10.0.0.0/8,fd00::/8,::1,192.0.2.1',
    ]) {
      const { trustProxy } = parseEnv({ TRUST_PROXY: text });
      const app = express();
      expect(() => app.set('trust proxy', trustProxy), text).not.toThrow();
    }
  });

  it('reads a token; an empty one is unset', () => {
    const token = 'f'.repeat(16);
    expect(parseEnv({ MANAGER_TOKEN: token }).managerToken).toBe(token);
    expect(parseEnv({ MANAGER_TOKEN: 'abc-DEF_123.~+/xyz==' }).managerToken).toBe(
      'abc-DEF_123.~+/xyz==',
    );
    expect(parseEnv({ MANAGER_TOKEN: '' }).managerToken).toBeUndefined();
  });

  it.each([
    [{ MANAGER_IPS: 'localhost' }, 'MANAGER_IPS'],
    [{ MANAGER_IPS: '10.0.0.1/8' }, 'MANAGER_IPS'],
    [{ MANAGER_IPS: '10.0.0.0/33' }, 'MANAGER_IPS'],
    [{ MANAGER_IPS: 'fe80::1%eth0' }, 'MANAGER_IPS'],
    [{ MANAGER_IPS: '127.0.0.1,1.2.3' }, 'MANAGER_IPS'],
    [{ TRUST_PROXY: '' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'loopback,,10.0.0.0/8' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'proxy.internal' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/40' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '-1' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '1.5' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '99999999999999999999' }, 'TRUST_PROXY'],
  ])('refuses %o naming %s', (env, name) => {
    expect(() => parseEnv(env)).toThrow(new RegExp(`${name}: `));
  });

  it.each([
    ['15 characters', 'abcdefghij12345'],
    ['a space', 'correct horse battery staple'],
    ['a quote', 'abcdefghijklmnop"q'],
    ['non-ASCII', 'ääääääääääääääääääää'],
    ['too long', 'x'.repeat(1025)],
  ])('refuses a token with %s, without echoing it', (_what, token) => {
    let message = '';
    try {
      parseEnv({ MANAGER_TOKEN: token });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/MANAGER_TOKEN: /);
    expect(message).not.toContain(token.slice(0, 12));
  });

  it('warns about TRUST_PROXY=true and about a configuration that admits no operator', () => {
    expect(operatorConfigWarnings(parseEnv({}))).toEqual([]);
    expect(operatorConfigWarnings(parseEnv({ TRUST_PROXY: 'true' }))).toEqual([
      expect.stringMatching(/TRUST_PROXY=true/),
    ]);
    expect(operatorConfigWarnings(parseEnv({ MANAGER_IPS: '' }))).toEqual([
      expect.stringMatching(/no one/),
    ]);
    expect(
      operatorConfigWarnings(parseEnv({ MANAGER_IPS: '', MANAGER_TOKEN: 'a'.repeat(32) })),
    ).toEqual([]);
  });
});
