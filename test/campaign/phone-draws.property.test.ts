/**
 * The per-phone draw store against an array per phone: the latest `keptMax` draws kept newest
 * first, every draw counted, slots reused after the oldest is dropped (memory stops growing).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhoneDraws, type DrawEntry } from '../../src/kinds/campaign/phone-draws.js';

describe('phone draws', () => {
  it('record: keeps the latest keptMax draws of each phone, counts all, and frees slots', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.nat(4), fc.boolean()), { maxLength: 200 }),
        (keptMax, script) => {
          const store = new PhoneDraws(keptMax);
          const model = new Map<string, DrawEntry[]>();
          let drawId = 0;
          for (const [phoneNumber, won] of script) {
            const phone = `+6591234${phoneNumber}`;
            let index = store.indexOf(phone);
            if (index === -1) index = store.add(phone);
            drawId += 1;
            // One draw per phone per day: each draw of a phone is on a later day.
            const history = model.get(phone) ?? [];
            const entry: DrawEntry = {
              drawId,
              atMs: drawId * 1000,
              day: (history[0]?.day ?? 100) + 1 + (drawId % 3),
              prize: won ? drawId % 3 : -1,
              coupon: won ? drawId : -1,
            };
            store.record(index, entry);
            model.set(phone, [entry, ...history]);
            store.checkInvariants();
            expect(store.recent(index)).toEqual(model.get(phone)?.slice(0, keptMax));
            expect(store.drawCountOf(index)).toBe(model.get(phone)?.length);
            expect(store.lastDayOf(index)).toBe(entry.day);
          }
          let kept = 0;
          for (const draws of model.values()) kept += Math.min(draws.length, keptMax);
          expect(store.keptDraws).toBe(kept);
        },
      ),
      { numRuns: 200, seed: 32 },
    );
  });

  it('invariants: two draws of one phone on one day are caught', () => {
    const store = new PhoneDraws(4);
    const index = store.add('+6591234567');
    store.record(index, { drawId: 1, atMs: 1, day: 10, prize: -1, coupon: -1 });
    store.record(index, { drawId: 2, atMs: 2, day: 10, prize: -1, coupon: -1 });
    expect(() => store.checkInvariants()).toThrow(/drew twice on day 10/);
  });
});
