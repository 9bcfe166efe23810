/**
 * Synthetic ledger histories: the recorder's workload run against a sequential model of the ledger
 * in simulated time, so each history is linearizable by construction. Every operation is invoked,
 * takes effect at one instant inside its window and completes later; the model answers at that
 * instant. The checkers' tests use them as histories known to be good (then plant faults in them),
 * and the conservation checker's million-operation test streams one without holding it in memory.
 *
 * It is a discrete-event simulation: one pending event per client in a binary heap keyed by time,
 * so a history of n operations from c clients costs O(n log c). Operations of unknown outcome are
 * simulated too: with probability `infoRate` the client never hears back (`info`), and the
 * operation took effect or not, at random.
 */
import type { HistoryEvent } from './events.js';
import type { LedgerCall } from './ledger-client.js';
import { LedgerClientWorkload, type LedgerWorkloadOptions } from './ledger-workload.js';
import { seededRandom } from './random.js';

export interface SyntheticLedgerOptions {
  seed: number;
  clients: number;
  operations: number;
  /** @default 'synthetic' */
  raffle?: string;
  workload?: LedgerWorkloadOptions;
  /**
   * Share of operations whose client never hears back.
   * @default 0
   */
  infoRate?: number;
  /**
   * Longest simulated latency from invocation to effect and from effect to answer, in ms.
   * @default 2
   */
  latencyMs?: number;
}

/** The sequential ledger of one raffle, answering as the service does (condensed outputs). */
class SequentialLedger {
  private readonly tickets = new Map<string, number>();
  /** Admission number of each participant holding tickets. */
  private readonly admitted = new Map<string, number>();
  private admissions = 0;
  total = 0;
  draws = 0;

  constructor(private readonly random: () => number) {}

  private change(name: string, amount: number): number {
    const before = this.tickets.get(name) ?? 0;
    const after = before + amount;
    if (after === 0) {
      this.tickets.delete(name);
      this.admitted.delete(name);
    } else {
      this.tickets.set(name, after);
      if (before === 0) {
        this.admissions += 1;
        this.admitted.set(name, this.admissions);
      }
    }
    return after;
  }

  /** The answer to `call` now: `ok` with the output, or `fail` with the reason. */
  answer(call: LedgerCall): { type: 'ok' | 'fail'; value: Record<string, unknown> } {
    const input = call.input;
    switch (call.f) {
      case 'issue': {
        const tickets = this.change(input.username as string, input.count as number);
        this.total += input.count as number;
        return { type: 'ok', value: { tickets, totalTickets: this.total } };
      }
      case 'transfer': {
        const from = input.from as string;
        const count = input.count as number;
        const held = this.tickets.get(from) ?? 0;
        if (held === 0)
          return { type: 'fail', value: { reason: 'participant_not_found', status: 404 } };
        if (held < count)
          return { type: 'fail', value: { reason: 'insufficient_tickets', status: 409 } };
        const fromTickets = this.change(from, -count);
        const toTickets = this.change(input.to as string, count);
        return { type: 'ok', value: { fromTickets, toTickets } };
      }
      case 'draw': {
        if (this.total === 0)
          return { type: 'fail', value: { reason: 'raffle_empty', status: 409 } };
        const totalTicketsBefore = this.total;
        let point = Math.floor(this.random() * this.total);
        let winner = '';
        for (const [name, held] of this.tickets) {
          if (point < held) {
            winner = name;
            break;
          }
          point -= held;
        }
        const ticketsLeft = this.change(winner, -1);
        this.total -= 1;
        this.draws += 1;
        return {
          type: 'ok',
          value: { drawId: this.draws, username: winner, ticketsLeft, totalTicketsBefore },
        };
      }
      case 'getParticipant': {
        const tickets = this.tickets.get(input.username as string) ?? 0;
        return tickets === 0
          ? { type: 'fail', value: { reason: 'participant_not_found', status: 404 } }
          : { type: 'ok', value: { tickets } };
      }
      case 'getRaffle':
        return {
          type: 'ok',
          value: {
            totalTickets: this.total,
            participantCount: this.tickets.size,
            drawCount: this.draws,
          },
        };
      case 'listParticipants': {
        const after = typeof input.cursor === 'string' ? Number(input.cursor) : 0;
        const limit = input.limit as number;
        // A Map iterates in insertion order, and a participant re-admitted is re-inserted with a
        // larger number, so this is admission order.
        const page: [string, number][] = [];
        for (const entry of this.admitted) {
          if (entry[1] > after) page.push(entry);
          if (page.length > limit) break;
        }
        const shown = page.slice(0, limit);
        let sum = 0;
        let min = 0;
        shown.forEach(([name], index) => {
          const held = this.tickets.get(name) as number;
          sum += held;
          min = index === 0 ? held : Math.min(min, held);
        });
        const last = shown[shown.length - 1];
        const nextCursor = page.length > limit && last !== undefined ? String(last[1]) : null;
        return { type: 'ok', value: { count: shown.length, sum, min, nextCursor } };
      }
    }
  }
}

/** A binary min-heap of (time, client) pairs. */
class EventHeap {
  private readonly times: number[] = [];
  private readonly clients: number[] = [];

  get size(): number {
    return this.times.length;
  }

  push(time: number, client: number): void {
    const times = this.times;
    const clients = this.clients;
    let i = times.length;
    times.push(time);
    clients.push(client);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((times[parent] as number) <= time) break;
      times[i] = times[parent] as number;
      clients[i] = clients[parent] as number;
      i = parent;
    }
    times[i] = time;
    clients[i] = client;
  }

  /** Removes the earliest entry and returns its client (its time is `peekTime` before). */
  pop(): { time: number; client: number } {
    const times = this.times;
    const clients = this.clients;
    const top = { time: times[0] as number, client: clients[0] as number };
    const time = times.pop() as number;
    const client = clients.pop() as number;
    const n = times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child =
          right < n && (times[right] as number) < (times[left] as number) ? right : left;
        if ((times[child] as number) >= time) break;
        times[i] = times[child] as number;
        clients[i] = clients[child] as number;
        i = child;
      }
      times[i] = time;
      clients[i] = client;
    }
    return top;
  }
}

interface ClientState {
  workload: LedgerClientWorkload;
  phase: 'idle' | 'invoked' | 'applied';
  op: number;
  call?: LedgerCall;
  answer?: { type: 'ok' | 'fail' | 'info'; value: Record<string, unknown> };
  lostAnswer: boolean;
  lastNextCursor?: string | null;
}

/** Yields the events of a linearizable ledger history, in time order. */
export function* syntheticLedgerHistory(options: SyntheticLedgerOptions): Generator<HistoryEvent> {
  const random = seededRandom(options.seed);
  const raffle = options.raffle ?? 'synthetic';
  const ledger = new SequentialLedger(random);
  const latencyMs = options.latencyMs ?? 2;
  const infoRate = options.infoRate ?? 0;
  const heap = new EventHeap();
  const clients: ClientState[] = [];
  for (let client = 0; client < options.clients; client += 1) {
    clients.push({
      workload: new LedgerClientWorkload(
        [raffle],
        (options.seed * 7919 + client) >>> 0,
        options.workload,
      ),
      phase: 'idle',
      op: -1,
      lostAnswer: false,
    });
    heap.push(random() * latencyMs, client);
  }
  let invoked = 0;
  while (heap.size > 0) {
    const { time, client } = heap.pop();
    const state = clients[client] as ClientState;
    if (state.phase === 'idle') {
      if (invoked >= options.operations) continue;
      const call = state.workload.next(state.lastNextCursor);
      state.call = call;
      state.op = invoked;
      state.lostAnswer = random() < infoRate;
      invoked += 1;
      state.phase = 'invoked';
      yield {
        type: 'invoke',
        op: state.op,
        client,
        kind: 'ledger',
        raffle,
        f: call.f,
        value: call.input,
        time,
      };
      heap.push(time + random() * latencyMs, client);
    } else if (state.phase === 'invoked') {
      const call = state.call as LedgerCall;
      // An operation whose answer is lost took effect or not: both must be acceptable.
      state.answer =
        state.lostAnswer && random() < 0.5
          ? { type: 'info', value: { error: 'lost (not applied)' } }
          : ledger.answer(call);
      state.phase = 'applied';
      heap.push(time + random() * latencyMs, client);
    } else {
      const call = state.call as LedgerCall;
      const answer = state.lostAnswer
        ? { type: 'info' as const, value: { error: 'lost' } }
        : (state.answer as { type: 'ok' | 'fail'; value: Record<string, unknown> });
      yield { type: answer.type, op: state.op, client, value: answer.value, time };
      state.lastNextCursor =
        call.f === 'listParticipants' && answer.type === 'ok'
          ? (answer.value.nextCursor as string | null)
          : undefined;
      state.phase = 'idle';
      heap.push(time + random() * latencyMs * 0.5, client);
    }
  }
}
