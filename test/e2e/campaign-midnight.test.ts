/**
 * The real service process under a fake clock (libfaketime, Debian package `faketime`, which
 * `.ci/run` installs) crossing midnight in the campaign's zone: over HTTP, a phone refused with
 * `already_drawn_today` draws again after midnight and the daily quota starts afresh, with no
 * reset job. The clock is read from a file the test rewrites, so the crossing happens exactly when
 * the test says. A restart then replays the journal at a later fake time and keeps every draw on
 * the day it was stamped with, and the coupon codes read back to operators are found in no file
 * of the data directory.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../load/runner/server-process.js';
import { request } from '../support/server.js';

/** libfaketime's shared object, wherever the Debian package put it for this architecture. */
function findLibfaketime(): string | undefined {
  for (const root of ['/usr/lib', '/usr/lib64', '/usr/local/lib']) {
    if (!existsSync(root)) continue;
    const candidates = [join(root, 'faketime/libfaketime.so.1')];
    for (const entry of readdirSync(root))
      candidates.push(join(root, entry, 'faketime/libfaketime.so.1'));
    const found = candidates.find((path) => existsSync(path));
    if (found !== undefined) return found;
  }
  return undefined;
}

const libfaketime = findLibfaketime();
// CI installs faketime, so there a missing library is a failure, not a skip.
const runIt = libfaketime !== undefined || process.env.CI === 'true' ? it : it.skip;

describe('campaign days under a fake clock (libfaketime)', () => {
  runIt(
    'midnight in Pacific/Kiritimati: a refused phone draws again and the daily quota resets',
    async () => {
      expect(libfaketime, 'libfaketime (apt-get install faketime)').toBeDefined();
      const dir = mkdtempSync(join(tmpdir(), 'raffle-faketime-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const clockFile = join(dir, 'clock');
      // A fixed instant in the file stops the clock there until the test writes another one.
      const setClock = (utc: string) => writeFileSync(clockFile, `${utc}\n`);
      const start = async (): Promise<ServerProcess> =>
        startServerProcess({
          fromSource: true,
          startTimeoutMs: 40_000,
          env: {
            LD_PRELOAD: libfaketime as string,
            FAKETIME_TIMESTAMP_FILE: clockFile,
            FAKETIME_NO_CACHE: '1',
            // Timers keep the real monotonic clock, so nothing waits on the frozen wall clock.
            FAKETIME_DONT_FAKE_MONOTONIC: '1',
            TZ: 'UTC',
            DATA_DIR: join(dir, 'data'),
          },
        });

      // 23:59:58 on 2027-03-14 in Kiritimati (UTC+14) is 09:59:58 UTC.
      setClock('2027-03-14 09:59:58');
      let service = await start();
      onTestFinished(async () => {
        await service.stop();
      });
      const created = await request(service.url, 'POST', '/api/campaigns', {
        id: 'night',
        name: 'Midnight',
        startsAt: '2027-03-01T00:00:00+14:00',
        endsAt: '2027-04-01T00:00:00+14:00',
        timeZone: 'Pacific/Kiritimati',
        prizes: [
          { id: 'daily', name: 'Daily prize', probability: 1, quotaTotal: 10, quotaDaily: 1 },
        ],
      });
      expect(created.status).toBe(201);
      const draw = (phone: string) =>
        request(service.url, 'POST', '/api/campaigns/night/draws', { phone });
      const prize = async () => (await request(service.url, 'GET', '/api/campaigns/night')).body;

      const first = await draw('+6591234567');
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        won: true,
        day: '2027-03-14',
        at: '2027-03-14T09:59:58.000Z',
      });
      const refused = await draw('+6591234567');
      expect({ status: refused.status, reason: refused.body.reason }).toEqual({
        status: 409,
        reason: 'already_drawn_today',
      });
      // The daily quota (1) is spent: another phone draws but cannot win.
      expect((await draw('+6591234568')).body).toMatchObject({ won: false, day: '2027-03-14' });
      expect(await prize()).toMatchObject({
        day: '2027-03-14',
        prizes: [{ wonToday: 1, wonTotal: 1, remainingToday: 0, remainingTotal: 9 }],
      });

      // One second past midnight in Kiritimati.
      setClock('2027-03-14 10:00:01');
      expect(await prize()).toMatchObject({
        day: '2027-03-15',
        prizes: [{ wonToday: 0, wonTotal: 1, remainingToday: 1, remainingTotal: 9 }],
      });
      const next = await draw('+6591234567');
      expect(next.status).toBe(201);
      expect(next.body).toMatchObject({
        won: true,
        day: '2027-03-15',
        at: '2027-03-14T10:00:01.000Z',
      });
      expect((await draw('+6591234568')).body).toMatchObject({ won: false, day: '2027-03-15' });

      // Restart two days later: the journal replays each draw on the day it was stamped with.
      // A stopped wall clock can hold a graceful shutdown's timed steps, so the stop may end in
      // SIGKILL: every answered draw is in the journal already (fsync before the answer).
      await service.stop({ graceMs: 3_000 });
      setClock('2027-03-16 12:00:00');
      service = await start();
      const history = await request(
        service.url,
        'GET',
        '/api/campaigns/night/draws?phone=%2B6591234567',
      );
      expect(history.body).toMatchObject({ drawCount: 2 });
      expect(history.body.draws.map((d: { day: string; won: boolean }) => [d.day, d.won])).toEqual([
        ['2027-03-15', true],
        ['2027-03-14', true],
      ]);
      expect(await prize()).toMatchObject({
        day: '2027-03-17',
        prizes: [{ wonToday: 0, wonTotal: 2, remainingToday: 1, remainingTotal: 8 }],
      });
      // The codes come back to operators after the restart, yet no file of the data directory
      // (journal, snapshot) holds one: they are sealed under the server secret.
      const codes = [first.body.coupon.code as string, next.body.coupon.code as string];
      expect(history.body.draws.map((d: { coupon: { code: string } }) => d.coupon.code)).toEqual([
        codes[1],
        codes[0],
      ]);
      await service.stop({ graceMs: 3_000 });
      const dataDir = join(dir, 'data');
      for (const name of readdirSync(dataDir)) {
        if (name === 'secret.key') continue;
        const bytes = readFileSync(join(dataDir, name)).toString('latin1');
        for (const code of codes) {
          expect(bytes.includes(code), name).toBe(false);
          expect(bytes.includes(code.replaceAll('-', '')), name).toBe(false);
        }
      }
    },
    120_000,
  );
});
