/**
 * End-to-end tests of input validation on the two busiest writes, issue and transfer: every
 * malformed request is refused with the right status and reason, and leaves the state exactly as
 * it was. Unicode usernames that are valid are accepted, and two spellings of one name (NFC and
 * NFD) are one participant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countMaxDefault } from '../../src/config/limits.js';
import type { RunningServer } from '../../src/server/server.js';
import { request, startTestServer } from '../support/server.js';

type Reply = Awaited<ReturnType<typeof request>>;

const raffleId = 'bad';
const bodyBytesMax = 2048;
let running: RunningServer;

beforeAll(async () => {
  running = await startTestServer({ bodyBytesMax });
  const created = await request(running.url, 'POST', '/api/raffles', {
    id: raffleId,
    name: 'Bad input',
  });
  expect(created.status).toBe(201);
  for (const [username, count] of [
    ['alice', 1000],
    ['bob', 500],
  ] as const) {
    const issued = await post('tickets', { username, count });
    expect(issued.status).toBe(200);
  }
});

afterAll(async () => {
  await running.close();
});

function post(
  what: 'tickets' | 'transfers',
  body: unknown,
  headers?: Record<string, string>,
  raffle = raffleId,
) {
  return request(running.url, 'POST', `/api/raffles/${raffle}/${what}`, body, headers);
}

/** Everything observable: every raffle's figures and every balance of the test raffle. */
async function state() {
  const raffles = await request(running.url, 'GET', '/api/raffles');
  const participants = await request(
    running.url,
    'GET',
    `/api/raffles/${raffleId}/participants?limit=1000`,
  );
  expect(raffles.status).toBe(200);
  expect(participants.status).toBe(200);
  expect(participants.body.nextCursor).toBeNull();
  return { raffles: raffles.body, participants: participants.body };
}

/** Sends a request that must be refused, and checks the refusal left the state alone. */
async function expectRefused(
  send: () => Promise<Reply>,
  status: number,
  reason: string | null,
  options: { issues?: boolean } = {},
): Promise<Reply> {
  const before = await state();
  const reply = await send();
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  if (reason !== null) {
    expect(reply.body.reason).toBe(reason);
    expect(reply.body.data?.reason).toBe(reason);
  }
  expect(typeof reply.body.message).toBe('string');
  if (options.issues === true) {
    expect(Array.isArray(reply.body.issues)).toBe(true);
    expect(reply.body.issues.length).toBeGreaterThan(0);
  }
  expect(await state()).toEqual(before);
  return reply;
}

interface Endpoint {
  what: 'tickets' | 'transfers';
  /** A body that would succeed. */
  valid: Record<string, unknown>;
  /** The username fields of the body. */
  usernameFields: string[];
}

const endpoints: Endpoint[] = [
  { what: 'tickets', valid: { username: 'carol', count: 1 }, usernameFields: ['username'] },
  {
    what: 'transfers',
    valid: { from: 'alice', to: 'bob', count: 1 },
    usernameFields: ['from', 'to'],
  },
];

const badCounts: [string, unknown][] = [
  ['1.5', 1.5],
  ['0', 0],
  ['-1', -1],
  ['2^53', 2 ** 53],
  ['1e308', 1e308],
  ['countMax + 1', countMaxDefault + 1],
  ['NaN-like text', 'abc'],
  ['an object', { value: 1 }],
];

const badUsernames: [string, string][] = [
  ['empty', ''],
  ['65 characters', 'x'.repeat(65)],
  ['1000 characters', 'x'.repeat(1000)],
  ['65 emoji (65 characters)', '\u{1F600}'.repeat(65)],
  ['NUL inside', 'a\u0000b'],
  ['newline inside', 'a\nb'],
  ['DEL inside', 'a\u007fb'],
  ['C1 control inside', 'a\u0085b'],
  ['leading space', ' alice'],
  ['trailing space', 'alice '],
  ['leading tab', '\talice'],
  ['trailing no-break space', 'alice\u00a0'],
  ['only whitespace', '   '],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate inside', 'a\udc00b'],
];

describe.each(endpoints)('$what', ({ what, valid, usernameFields }) => {
  it(`${what}: the valid body is accepted (control)`, async () => {
    const reply = await post(what, valid);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  });

  it.each([
    ['truncated object', '{"count": 1, '],
    ['bare word', '{bad'],
    ['single quotes', "{'count': 1}"],
    ['trailing comma', '{"count": 1,}'],
  ])(`${what}: malformed JSON (%s)`, async (_label, raw) => {
    await expectRefused(() => post(what, raw), 400, 'malformed_json');
  });

  it.each([
    ['missing fields', {}],
    ['missing count', { ...valid, count: undefined }],
    ['null count', { ...valid, count: null }],
    ['null username', { ...valid, [usernameFields[0] as string]: null }],
    ['numeric username', { ...valid, [usernameFields[0] as string]: 42 }],
    ['array body', [valid]],
  ])(`${what}: wrong types (%s)`, async (_label, body) => {
    await expectRefused(() => post(what, body), 400, 'invalid_input', { issues: true });
  });

  // trpc-to-openapi's REST adapter turns on `coerce` for every plain number field of an input
  // schema, body fields included; counts are wrapped so that they stay strict JSON numbers.
  it.each([
    ['string count', '5'],
    ['boolean count', true],
    ['array count', [3]],
  ])(`${what}: wrong types (%s) are not coerced`, async (_label, count) => {
    await expectRefused(() => post(what, { ...valid, count }), 400, 'invalid_input', {
      issues: true,
    });
  });

  // `null` is valid JSON (RFC 8259): it is a validation error, not malformed JSON.
  it(`${what}: a JSON null body is invalid input, not malformed JSON`, async () => {
    await expectRefused(() => post(what, 'null'), 400, 'invalid_input', { issues: true });
  });

  it.each(badCounts)(`${what}: count %s`, async (_label, count) => {
    const reply = await expectRefused(() => post(what, { ...valid, count }), 400, 'invalid_input', {
      issues: true,
    });
    // A number out of range names the bounds, as one issue on the field.
    if (typeof count === 'number') {
      expect(reply.body.issues).toEqual([
        {
          code: 'custom',
          path: ['count'],
          message: `count must be a whole number from 1 to ${countMaxDefault}`,
        },
      ]);
    }
  });

  it(`${what}: count at countMax passes validation`, async () => {
    const reply = await post(what, { ...valid, count: countMaxDefault });
    // Valid input: any refusal now comes from the ledger, never from validation.
    expect(reply.body.reason).not.toBe('invalid_input');
    if (what === 'transfers') {
      expect(reply.status).toBe(409);
      expect(reply.body.reason).toBe('insufficient_tickets');
    } else {
      expect(reply.status).toBe(200);
    }
  });

  for (const field of usernameFields) {
    it.each(badUsernames)(`${what}: ${field} %s`, async (_label, username) => {
      await expectRefused(() => post(what, { ...valid, [field]: username }), 400, 'invalid_input', {
        issues: true,
      });
    });
  }

  it(`${what}: body over the size limit`, async () => {
    const body = JSON.stringify({ ...valid, padding: 'x'.repeat(4096) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(bodyBytesMax);
    await expectRefused(() => post(what, body), 413, 'payload_too_large');
  });

  it(`${what}: body just under the size limit is fine`, async () => {
    const overhead = JSON.stringify({ ...valid, padding: '' }).length;
    const body = JSON.stringify({ ...valid, padding: 'x'.repeat(bodyBytesMax - overhead - 1) });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(bodyBytesMax);
    const reply = await post(what, body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    `${what}: content type %s`,
    async (contentType) => {
      await expectRefused(
        () => post(what, JSON.stringify(valid), { 'content-type': contentType }),
        415,
        'unsupported_media_type',
      );
    },
  );

  it(`${what}: application/json with a charset is accepted`, async () => {
    const reply = await post(what, JSON.stringify(valid), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  });

  it(`${what}: unknown raffle`, async () => {
    await expectRefused(
      () => post(what, valid, undefined, 'no-such-raffle'),
      404,
      'raffle_not_found',
    );
  });

  it.each(['Main!', 'MAIN', 'Bad', 'under_score', '-lead', 'trail-', 'x'.repeat(65)])(
    `${what}: invalid raffle id %s`,
    async (slug) => {
      await expectRefused(
        () => post(what, valid, undefined, encodeURIComponent(slug)),
        400,
        'invalid_input',
        { issues: true },
      );
    },
  );
});

describe('unicode usernames', () => {
  async function tickets(username: string): Promise<number> {
    const reply = await request(
      running.url,
      'GET',
      `/api/raffles/${raffleId}/participants?limit=1000`,
    );
    const found = (reply.body.participants as { username: string; tickets: number }[]).filter(
      (p) => p.username.normalize('NFC') === username.normalize('NFC'),
    );
    expect(found.length).toBeLessThanOrEqual(1);
    return found[0]?.tickets ?? 0;
  }

  it('unicode: NFC and NFD spellings of é are the same participant', async () => {
    const nfc = 'caf\u00e9';
    const nfd = 'cafe\u0301';
    expect(nfc).not.toBe(nfd);
    const before = (await state()).raffles.raffles.find((r: { id: string }) => r.id === raffleId);

    const first = await post('tickets', { username: nfc, count: 3 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ username: nfc, tickets: 3 });
    const second = await post('tickets', { username: nfd, count: 4 });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ username: nfc, tickets: 7 });

    const after = await state();
    const listed = (after.participants.participants as { username: string }[]).filter((p) =>
      p.username.startsWith('caf'),
    );
    expect(listed).toEqual([{ username: nfc, tickets: 7 }]);
    const stats = after.raffles.raffles.find((r: { id: string }) => r.id === raffleId);
    expect(stats.participantCount).toBe(before.participantCount + 1);
    expect(stats.totalTickets).toBe(before.totalTickets + 7);

    // A transfer named in NFD moves the NFC participant's tickets.
    const moved = await post('transfers', { from: nfd, to: 'alice', count: 2 });
    expect(moved.status).toBe(200);
    expect(moved.body.from).toEqual({ username: nfc, tickets: 5 });
    // And an NFD recipient is the NFC one too.
    const back = await post('transfers', { from: 'alice', to: nfd, count: 1 });
    expect(back.status).toBe(200);
    expect(back.body.to).toEqual({ username: nfc, tickets: 6 });
    expect(await tickets(nfc)).toBe(6);
  });

  it.each([
    ['64 ASCII characters', 'x'.repeat(63) + 'y'],
    ['64 precomposed é', '\u00e9'.repeat(64)],
    ['40 decomposed é (80 units before NFC, 40 after)', 'e\u0301'.repeat(40)],
    // zod 4 counts a string's length in code points, so 64 emoji (128 UTF-16 units) are 64
    // characters, as WRITEUP.md's contract reads.
    ['64 emoji (64 characters)', '\u{1F600}'.repeat(64)],
    ['inner spaces', 'jean claude'],
    ['CJK', '\u5c71\u7530\u592a\u90ce'],
    ['RTL', '\u05e9\u05dc\u05d5\u05dd'],
    ['zero-width joiner emoji', '\u{1F469}\u200d\u{1F4BB}'],
  ])('unicode: %s accepted', async (_label, username) => {
    const expected = username.normalize('NFC');
    const had = await tickets(expected);
    const reply = await post('tickets', { username, count: 2 });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ username: expected, tickets: had + 2 });
    expect(await tickets(expected)).toBe(had + 2);
    const moved = await post('transfers', { from: username, to: 'bob', count: 1 });
    expect(moved.status).toBe(200);
    expect(moved.body.from).toEqual({ username: expected, tickets: had + 1 });
  });
});
