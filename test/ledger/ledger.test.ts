import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/kinds/ledger/ledger.js';

function newLedger(participantsMax = 1_000) {
  return new Ledger({ id: 'main', name: 'Main', createdAtMs: 0, levelSeed: 7, participantsMax });
}

/** A seed whose first byte selects ticket `index` of a raffle with `total` <= 256 tickets. */
function seedFor(index: number): Uint8Array {
  return Uint8Array.from([index, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
}

type Step =
  | ['issue', string, number, string]
  | ['transfer', string, string, number, string]
  | ['draw', number, string];

/**
 * Table-driven scripts: each line is an operation and its expected outcome, either a reason code
 * or a compact rendering of the value. Balances are checked against the listing after each line.
 */
const scripts: Record<string, Step[]> = {
  'issue: new and existing participants': [
    ['issue', 'alice', 3, 'alice=3 total=3'],
    ['issue', 'bob', 2, 'bob=2 total=5'],
    ['issue', 'alice', 4, 'alice=7 total=9'],
  ],
  'issue: total would pass 2^53 - 1': [
    [
      'issue',
      'alice',
      Number.MAX_SAFE_INTEGER - 1,
      `alice=${Number.MAX_SAFE_INTEGER - 1} total=${Number.MAX_SAFE_INTEGER - 1}`,
    ],
    ['issue', 'bob', 2, 'ticket_total_overflow'],
    ['issue', 'bob', 1, `bob=1 total=${Number.MAX_SAFE_INTEGER}`],
    ['issue', 'bob', 1, 'ticket_total_overflow'],
  ],
  'transfer: to a new recipient, donor keeps some': [
    ['issue', 'alice', 5, 'alice=5 total=5'],
    ['transfer', 'alice', 'bob', 2, 'alice=3 bob=2'],
  ],
  'transfer: donor emptied leaves the raffle': [
    ['issue', 'alice', 5, 'alice=5 total=5'],
    ['issue', 'bob', 1, 'bob=1 total=6'],
    ['transfer', 'alice', 'bob', 5, 'alice=0 bob=6'],
    ['transfer', 'alice', 'bob', 1, 'participant_not_found'],
  ],
  'transfer: donor has too few tickets': [
    ['issue', 'alice', 2, 'alice=2 total=2'],
    ['transfer', 'alice', 'bob', 3, 'insufficient_tickets'],
  ],
  'transfer: to self': [
    ['issue', 'alice', 2, 'alice=2 total=2'],
    ['transfer', 'alice', 'alice', 1, 'transfer_to_self'],
  ],
  'transfer: unknown donor': [['transfer', 'ghost', 'bob', 1, 'participant_not_found']],
  'transfer: refusals come in a fixed order': [
    ['transfer', 'ghost', 'ghost', 5, 'transfer_to_self'],
    ['issue', 'alice', 1, 'alice=1 total=1'],
    ['transfer', 'ghost', 'alice', 5, 'participant_not_found'],
    ['transfer', 'alice', 'bob', 5, 'insufficient_tickets'],
  ],
  'draw: empty raffle': [['draw', 0, 'raffle_empty']],
  'draw: tickets are numbered along admission order': [
    ['issue', 'alice', 2, 'alice=2 total=2'],
    ['issue', 'bob', 3, 'bob=3 total=5'],
    ['draw', 1, 'alice left=1 before=5 #1'],
    ['draw', 1, 'bob left=2 before=4 #2'],
    ['draw', 0, 'alice left=0 before=3 #3'],
    ['draw', 0, 'bob left=1 before=2 #4'],
    ['draw', 0, 'bob left=0 before=1 #5'],
    ['draw', 0, 'raffle_empty'],
  ],
};

describe('ledger scripts', () => {
  for (const [name, steps] of Object.entries(scripts)) {
    it(name, () => {
      const ledger = newLedger();
      const model = new Map<string, number>();
      steps.forEach((step, line) => {
        let rendered: string;
        if (step[0] === 'issue') {
          const [, username, count] = step;
          const result = ledger.issue(username, count);
          rendered = result.ok
            ? `${username}=${result.value.tickets} total=${result.value.totalTickets}`
            : result.reason;
          if (result.ok) model.set(username, result.value.tickets);
        } else if (step[0] === 'transfer') {
          const [, from, to, count] = step;
          const result = ledger.transfer(from, to, count);
          rendered = result.ok
            ? `${from}=${result.value.from.tickets} ${to}=${result.value.to.tickets}`
            : result.reason;
          if (result.ok) {
            model.set(from, result.value.from.tickets);
            model.set(to, result.value.to.tickets);
          }
        } else {
          const [, index] = step;
          const result = ledger.draw(seedFor(index), 1_000 + line);
          rendered = result.ok
            ? `${result.value.username} left=${result.value.ticketsLeft} before=${result.value.totalTicketsBefore} #${result.value.drawId}`
            : result.reason;
          if (result.ok) model.set(result.value.username, result.value.ticketsLeft);
        }
        expect(rendered, `line ${line + 1}`).toBe(step[step.length - 1]);
        ledger.checkInvariants();
        const expected = [...model].filter(([, tickets]) => tickets > 0);
        const listed = ledger
          .participants(0, 1_000)
          .participants.map((p) => [p.username, p.tickets]);
        expect(listed).toEqual(expected);
      });
    });
  }

  it('issue: a newcomer past the participant limit is refused, existing ones still work', () => {
    const ledger = newLedger(2);
    expect(ledger.issue('a', 1).ok).toBe(true);
    expect(ledger.issue('b', 1).ok).toBe(true);
    const refused = ledger.issue('c', 1);
    expect(refused.ok ? 'ok' : refused.reason).toBe('participant_limit_reached');
    expect(ledger.issue('a', 5).ok).toBe(true);
    const transfer = ledger.transfer('a', 'c', 1);
    expect(transfer.ok ? 'ok' : transfer.reason).toBe('participant_limit_reached');
    // A donor who gives everything away frees the place the recipient takes.
    expect(ledger.transfer('b', 'c', 1).ok).toBe(true);
    expect(ledger.participantCount).toBe(2);
  });

  it('draw: records history with consecutive ids and the stamped time', () => {
    const ledger = newLedger();
    ledger.issue('alice', 3);
    ledger.draw(seedFor(0), 111);
    ledger.draw(seedFor(0), 222);
    const page = ledger.draws(0, 1);
    expect(page.draws.map((d) => [d.drawId, d.atMs])).toEqual([[1, 111]]);
    expect(page.nextAfterDrawId).toBe(1);
    const rest = ledger.draws(1, 10);
    expect(rest.draws.map((d) => [d.drawId, d.atMs])).toEqual([[2, 222]]);
    expect(rest.nextAfterDrawId).toBeUndefined();
  });

  it('participants: pages follow admission order and end with no cursor', () => {
    const ledger = newLedger();
    for (let i = 0; i < 7; i += 1) ledger.issue(`p${i}`, i + 1);
    const first = ledger.participants(0, 3);
    expect(first.participants.map((p) => p.username)).toEqual(['p0', 'p1', 'p2']);
    const second = ledger.participants(first.nextAfterSeq ?? -1, 3);
    expect(second.participants.map((p) => p.username)).toEqual(['p3', 'p4', 'p5']);
    const third = ledger.participants(second.nextAfterSeq ?? -1, 3);
    expect(third.participants.map((p) => p.username)).toEqual(['p6']);
    expect(third.nextAfterSeq).toBeUndefined();
  });

  it('assertions: a non-positive or unsafe count is a programmer error, not a refusal', () => {
    const ledger = newLedger();
    expect(() => ledger.issue('alice', 0)).toThrow(/count is positive/);
    expect(() => ledger.issue('alice', 2 ** 53)).toThrow(/safe integer/);
    expect(() => ledger.transfer('alice', 'bob', -1)).toThrow(/count is positive/);
  });
});
