/**
 * Request bodies that are not plain JSON text, on both surfaces: too deeply nested, compressed
 * (well or badly), in another encoding, sent with unusual but valid content types, or not UTF-8.
 * Each is answered with a 4xx and its own reason, no library text in the message, and the state
 * untouched; the valid variants are applied once.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDepthMax } from '../../src/config/limits.js';
import type { RunningServer } from '../../src/server/server.js';
import { expectRefusal } from '../support/assertions.js';
import { rawRequest, startTestServer } from '../support/server.js';

const bodyBytesMax = 64 * 1024;
let running: RunningServer;

beforeAll(async () => {
  // Internal messages shown: a 500 with a library's text would fail these tests loudly.
  running = await startTestServer({ bodyBytesMax, exposeInternalErrors: true });
});

afterAll(async () => {
  await running.close();
});

const json = { 'content-type': 'application/json' };
const issuePath = '/api/raffles/main/tickets';

function post(path: string, body: Buffer | string, headers: Record<string, string> = json) {
  return rawRequest(running.url, 'POST', path, { body, headers });
}

/** Sends a request that must be refused with `status` and `reason`, changing nothing. */
async function expectRefused(
  send: () => ReturnType<typeof post>,
  status: number,
  reason: string,
): Promise<void> {
  const before = running.engine.stats().appliedSeq;
  const reply = await send();
  expectRefusal(reply, status, reason);
  expect(reply.text).not.toMatch(/zlib|incorrect header|stack|at .*\.js/i);
  expect(running.engine.stats().appliedSeq).toBe(before);
}

/** A valid issue body whose `note` field holds arrays nested `depth` deep. */
function nestedBody(depth: number, open = '[', close = ']'): string {
  return `{"username":"deep","count":1,"note":${open.repeat(depth)}${close.repeat(depth)}}`;
}

/** The same through tRPC (superjson wraps the input in `json`), with a tRPC error read out. */
async function trpcPost(body: Buffer | string, headers: Record<string, string> = json) {
  const reply = await rawRequest(running.url, 'POST', '/trpc/tickets.issue', { body, headers });
  return { status: reply.status, reason: reply.body?.error?.json?.data?.reason, text: reply.text };
}

describe('deeply nested JSON', () => {
  it.each([
    ['arrays', 4_500, '[', ']'],
    ['objects', 4_500, '{"a":', '}'],
    ['arrays', 30_000, '[', ']'],
  ])('REST: %s nested %i deep are 400 json_too_deep', async (_label, depth, open, close) => {
    await expectRefused(
      () => post(issuePath, nestedBody(depth, open, close)),
      400,
      'json_too_deep',
    );
  });

  it('REST: a bare array 4,500 deep is 400 json_too_deep', async () => {
    const body = `${'['.repeat(4_500)}${']'.repeat(4_500)}`;
    await expectRefused(() => post(issuePath, body), 400, 'json_too_deep');
  });

  it('REST: nesting at the limit passes the body check (and the unknown field is ignored)', async () => {
    // The body object itself is one level, so the note may nest one level less.
    const reply = await post(issuePath, nestedBody(jsonDepthMax - 1));
    expect(reply.status, reply.text).toBe(200);
    const over = await post(issuePath, nestedBody(jsonDepthMax));
    expectRefusal(over, 400, 'json_too_deep');
  });

  it('REST: brackets inside strings do not count', async () => {
    const body = JSON.stringify({ username: 'brackets', count: 1, note: '['.repeat(10_000) });
    expect((await post(issuePath, body)).status).toBe(200);
  });

  it('tRPC: nesting 4,500 deep is 400 json_too_deep in tRPC’s error shape', async () => {
    const body = `{"json":${nestedBody(4_500)}}`;
    const reply = await trpcPost(body);
    expect([reply.status, reply.reason]).toEqual([400, 'json_too_deep']);
  });
});

describe('content encodings', () => {
  const valid = JSON.stringify({ username: 'zipped', count: 1 });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('REST: a valid %s body is applied', async (encoding, compress) => {
    const before = running.engine.stats().appliedSeq;
    const reply = await post(issuePath, compress(valid), { ...json, 'content-encoding': encoding });
    expect(reply.status, reply.text).toBe(200);
    expect(running.engine.stats().appliedSeq).toBe(before + 1);
  });

  it.each(['gzip', 'deflate', 'br', 'GZIP'])(
    'REST: a body that is not valid %s is 400 invalid_content_encoding',
    async (encoding) => {
      await expectRefused(
        () => post(issuePath, 'this is not compressed', { ...json, 'content-encoding': encoding }),
        400,
        'invalid_content_encoding',
      );
    },
  );

  it('REST: a gzip body cut short is 400 invalid_content_encoding', async () => {
    const whole = gzipSync(valid);
    await expectRefused(
      () =>
        post(issuePath, whole.subarray(0, whole.length - 6), {
          ...json,
          'content-encoding': 'gzip',
        }),
      400,
      'invalid_content_encoding',
    );
  });

  it.each(['compress', 'zstd', 'gzip, br', 'identity, gzip', '__proto__', 'constructor'])(
    'REST: Content-Encoding %s is 415 unsupported_content_encoding',
    async (encoding) => {
      await expectRefused(
        () => post(issuePath, valid, { ...json, 'content-encoding': encoding }),
        415,
        'unsupported_content_encoding',
      );
    },
  );

  it('REST: a small gzip body that inflates past BODY_BYTES_MAX is 413', async () => {
    const bomb = gzipSync(
      JSON.stringify({ username: 'bomb', count: 1, pad: 'x'.repeat(bodyBytesMax * 4) }),
    );
    expect(bomb.length).toBeLessThan(bodyBytesMax);
    await expectRefused(
      () => post(issuePath, bomb, { ...json, 'content-encoding': 'gzip' }),
      413,
      'payload_too_large',
    );
  });

  it('tRPC: a body that is not valid gzip is 400 invalid_content_encoding', async () => {
    const reply = await trpcPost('not gzip', { ...json, 'content-encoding': 'gzip' });
    expect([reply.status, reply.reason]).toEqual([400, 'invalid_content_encoding']);
    expect(reply.text).not.toMatch(/incorrect header/);
  });
});

describe('content types', () => {
  const valid = (name: string) => JSON.stringify({ username: name, count: 1 });

  it.each([
    'Application/JSON',
    'APPLICATION/JSON; CHARSET=UTF-8',
    'Application/JSON; charset=utf-8',
    'application/json;charset="utf-8"',
    'application/json; charset=utf8',
    'application/json ; foo=bar',
  ])('REST: %s is accepted', async (contentType) => {
    const reply = await post(issuePath, valid('typed'), { 'content-type': contentType });
    expect(reply.status, reply.text).toBe(200);
  });

  it('tRPC: Application/JSON; charset=utf-8 is accepted', async () => {
    const body = JSON.stringify({ json: { raffleId: 'main', username: 'typed', count: 1 } });
    const reply = await trpcPost(body, { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(reply.status, reply.text).toBe(200);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['application/jsonx', 'application/jsonx'],
    ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
  ])('REST: %s is 415 with a message quoting the type exactly', async (contentType, shown) => {
    await expectRefused(
      () => post(issuePath, valid('typed'), { 'content-type': contentType }),
      415,
      'unsupported_media_type',
    );
    const reply = await post(issuePath, valid('typed'), { 'content-type': contentType });
    expect(reply.body.message).toContain(`"${shown}"`);
    // Every quote the message opens, it closes.
    expect((reply.body.message.match(/"/g) ?? []).length % 2).toBe(0);
  });

  it.each(['latin1', 'utf-16', 'iso-8859-1'])('REST: charset %s is 415', async (charset) => {
    await expectRefused(
      () =>
        post(issuePath, valid('typed'), { 'content-type': `application/json; charset=${charset}` }),
      415,
      'unsupported_media_type',
    );
  });

  it('REST: a body without a content type is 415', async () => {
    await expectRefused(() => post(issuePath, valid('typed'), {}), 415, 'unsupported_media_type');
  });

  it('REST: a POST with no body at all is read as {} (a draw needs none)', async () => {
    await post(issuePath, valid('drawn'));
    const reply = await rawRequest(running.url, 'POST', '/api/raffles/main/draws');
    expect(reply.status, reply.text).toBe(201);
  });
});

describe('UTF-8', () => {
  const withByte = (bytes: number[]) =>
    Buffer.concat([
      Buffer.from('{"username":"ann'),
      Buffer.from(bytes),
      Buffer.from('","count":1}'),
    ]);

  it.each([
    ['a lone continuation byte', [0x80]],
    ['0xff', [0xff]],
    ['a truncated two-byte sequence', [0xc3]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ])('REST: %s is 400 invalid_utf8, not a U+FFFD username', async (_label, bytes) => {
    await expectRefused(() => post(issuePath, withByte(bytes)), 400, 'invalid_utf8');
  });

  it('REST: two different invalid byte strings are not merged into one participant', async () => {
    for (const bytes of [[0xff], [0xfe]]) {
      expectRefusal(await post(issuePath, withByte(bytes)), 400, 'invalid_utf8');
    }
    const listed = await rawRequest(
      running.url,
      'GET',
      '/api/raffles/main/participants?limit=1000',
    );
    const names = (listed.body.participants as { username: string }[]).map((p) => p.username);
    expect(names.some((name) => name.includes('\ufffd'))).toBe(false);
  });

  it('REST: valid multi-byte UTF-8 is accepted', async () => {
    const reply = await post(issuePath, Buffer.from('{"username":"zoë 山田","count":1}', 'utf8'));
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.username).toBe('zoë 山田');
  });

  it('tRPC: invalid UTF-8 is 400 invalid_utf8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"json":{"raffleId":"main","username":"ann'),
      Buffer.from([0xff]),
      Buffer.from('","count":1}}'),
    ]);
    const reply = await trpcPost(body);
    expect([reply.status, reply.reason]).toEqual([400, 'invalid_utf8']);
  });
});

describe('identity names', () => {
  it.each([
    ['a right-to-left override', 'ann\u202egnp'],
    ['a zero-width space', 'an\u200bn'],
    ['a byte order mark', '\ufeffann'],
  ])('REST: a username with %s is 400 invalid_input', async (_label, username) => {
    await expectRefused(
      () => post(issuePath, JSON.stringify({ username, count: 1 })),
      400,
      'invalid_input',
    );
  });

  it('REST: a raffle name with a bidi override is 400 invalid_input', async () => {
    const body = JSON.stringify({ id: 'bidi', name: 'Spring \u202eelffar' });
    await expectRefused(() => post('/api/raffles', body), 400, 'invalid_input');
  });
});
