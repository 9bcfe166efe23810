/**
 * Test doubles that sit between the history recorder's clients and the real service, as
 * transports (see load/history/transport.ts): one loses answers, so the history holds operations
 * of unknown outcome that the service did apply; the others plant violations on purpose: a stale
 * balance (ledger), a stale whole-raffle read (prize raffles, campaigns), a ticket number handed
 * out twice (prize raffles).
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

/** The raffle (or campaign) a request names, from its REST path or its tRPC input. */
function raffleOfRequest(path: string, body: string | undefined): string | undefined {
  if (path.startsWith('/api/')) return decodeURIComponent(path.split(/[/?]/)[3] ?? '');
  const query = path.indexOf('?input=');
  const text = query >= 0 ? decodeURIComponent(path.slice(query + 7)) : body;
  try {
    const input = JSON.parse(text ?? '{}').json ?? {};
    return String(input.id ?? input.campaignId ?? input.raffleId);
  } catch {
    return undefined;
  }
}

/**
 * Answers some whole-raffle reads of any kind (a prize raffle's figures, a campaign's counters)
 * with an older answer of the same read: a stale read. Only a client whose own write that changes
 * what the read shows (`writes`: a claim, a draw) was sent after the older answer arrived and
 * succeeded is served one, so that write took effect between the two reads and the read is wrong
 * beyond doubt. `reads` and `writes` match request paths of either surface; `every` says which of
 * the reads that qualify are tampered with; `tampered` lists them.
 */
export function staleFiguresTransport(
  inner: Transport,
  options: { every: number; reads: RegExp; writes: RegExp },
): { send: Transport; tampered: number[] } {
  const answers = new Map<string, { body: string; order: number }[]>();
  const ownWrite = new Map<string, number>();
  const tampered: number[] = [];
  let order = 0;
  let eligible = 0;
  const send: Transport = async (request) => {
    const { path, method, body } = request.call;
    const raffle = raffleOfRequest(path, body) ?? '';
    const sentAt = ++order;
    const answer = await inner(request);
    const ok = answer.status >= 200 && answer.status < 300;
    if (method === 'POST' && options.writes.test(path) && ok) {
      ownWrite.set(`${request.client}:${raffle}`, sentAt);
    }
    if (method !== 'GET' || !options.reads.test(path) || !ok) return answer;
    const seen = answers.get(path) ?? [];
    const mine = ownWrite.get(`${request.client}:${raffle}`);
    const stale = seen.find((s) => mine !== undefined && s.order < mine && s.body !== answer.body);
    seen.push({ body: answer.body, order: ++order });
    answers.set(path, seen);
    if (stale === undefined) return answer;
    eligible += 1;
    if (eligible % options.every !== 0) return answer;
    tampered.push(request.op);
    return { status: answer.status, body: stale.body };
  };
  return { send, tampered };
}

/**
 * Answers some successful ticket claims of prize raffles with a number an earlier claim of the
 * same raffle already got: a ticket handed out twice. `every` says which claims (every n-th
 * after the first of a raffle) are altered; `tampered` lists them.
 */
export function doubleClaimTransport(
  inner: Transport,
  options: { every: number },
): { send: Transport; tampered: number[] } {
  const handedOut = new Map<string, number[]>();
  const tampered: number[] = [];
  let claims = 0;
  const send: Transport = async (request) => {
    const answer = await inner(request);
    const { path, body } = request.call;
    const isClaim = /\/entries$/.test(path) || path === '/trpc/prizeRaffles.claim';
    if (!isClaim || answer.status < 200 || answer.status >= 300) return answer;
    const raffle = raffleOfRequest(path, body) ?? '';
    const surface = path.startsWith('/trpc/') ? 'trpc' : 'rest';
    const parsed = JSON.parse(answer.body);
    const value = surface === 'trpc' ? parsed.result.data.json : parsed;
    const earlier = handedOut.get(raffle) ?? [];
    claims += 1;
    if (earlier.length > 0 && claims % options.every === 0) {
      value.ticketNumber = earlier[0];
      tampered.push(request.op);
      return { status: answer.status, body: JSON.stringify(parsed) };
    }
    earlier.push(value.ticketNumber);
    handedOut.set(raffle, earlier);
    return answer;
  };
  return { send, tampered };
}
