/**
 * Test doubles that sit between the history recorder's clients and the real service, as
 * transports (see load/history/transport.ts): one loses answers, so the history holds operations
 * of unknown outcome that the service did apply; one answers some reads with a stale balance, a
 * linearizability violation planted on purpose.
 */
import { answerOf } from '../../load/runner/surfaces.js';
import type { Transport, TransportAnswer } from '../../load/history/transport.js';
import { seededRandom } from '../../load/history/random.js';

/**
 * Lets the service answer, then throws the answer away for a share of the writes, so the client
 * records `info` for an operation that did take effect.
 */
export function losingTransport(
  inner: Transport,
  options: { seed: number; share: number },
): { send: Transport; lost: number[] } {
  const random = seededRandom(options.seed);
  const lost: number[] = [];
  const send: Transport = async (request) => {
    const answer = await inner(request);
    if (request.op >= 0 && request.call.method === 'POST' && random() < options.share) {
      lost.push(request.op);
      throw new Error('answer lost by the test double');
    }
    return answer;
  };
  return { send, lost };
}

interface Seen {
  tickets: number;
  /** When the answer carrying this balance reached the double. */
  order: number;
}

/** The participant and balances an answer reports, from either surface's body. */
function balancesIn(path: string, status: number, body: string): [string, number][] {
  if (status < 200 || status >= 300) return [];
  const surface = path.startsWith('/trpc/') ? 'trpc' : 'rest';
  const value = answerOf(surface, status, body).value as Record<string, any> | undefined;
  if (value === undefined || value === null) return [];
  const found: [string, number][] = [];
  const add = (entry: any): void => {
    if (typeof entry?.username === 'string' && typeof entry?.tickets === 'number') {
      found.push([entry.username, entry.tickets]);
    }
  };
  add(value);
  add(value.from);
  add(value.to);
  return found;
}

function isParticipantRead(path: string): boolean {
  return (
    /\/api\/raffles\/[^/]+\/participants\/[^/?]+$/.test(path) ||
    path.startsWith('/trpc/participants.get?')
  );
}

function withTickets(path: string, body: string, tickets: number): string {
  const parsed = JSON.parse(body);
  if (path.startsWith('/trpc/')) parsed.result.data.json.tickets = tickets;
  else parsed.tickets = tickets;
  return JSON.stringify(parsed);
}

/**
 * Answers some participant reads with an old balance: a stale read. Only a client that itself
 * wrote the participant's balance since the old balance was seen is served one, so its own
 * acknowledged write lies between the two in real time and the read is wrong (unless the balance
 * came back to the old value, which the wide counts of the workload make rare). `every` says
 * which of the reads that qualify are tampered with (every n-th); `tampered` lists them.
 */
export function staleReadTransport(
  inner: Transport,
  options: { every: number },
): { send: Transport; tampered: number[] } {
  const history = new Map<string, Seen[]>();
  const ownWrite = new Map<string, number>();
  const tampered: number[] = [];
  let order = 0;
  let eligible = 0;
  const send: Transport = async (request) => {
    const answer: TransportAnswer = await inner(request);
    const { path, method } = request.call;
    const key = (username: string): string => `${request.client}:${username}`;
    if (method === 'GET' && isParticipantRead(path) && answer.status === 200) {
      const [[username, tickets] = ['', 0]] = balancesIn(path, answer.status, answer.body);
      const mine = ownWrite.get(key(username));
      const seen = history.get(username) ?? [];
      // The oldest balance seen, from before this client's own write: stale beyond doubt.
      const stale = seen.find((s) => mine !== undefined && s.order < mine && s.tickets !== tickets);
      if (stale !== undefined) {
        eligible += 1;
        if (eligible % options.every === 0) {
          tampered.push(request.op);
          return { status: answer.status, body: withTickets(path, answer.body, stale.tickets) };
        }
      }
      return answer;
    }
    for (const [username, tickets] of balancesIn(path, answer.status, answer.body)) {
      order += 1;
      const seen = history.get(username) ?? [];
      seen.push({ tickets, order });
      history.set(username, seen);
      if (method === 'POST') ownWrite.set(key(username), order);
    }
    return answer;
  };
  return { send, tampered };
}
