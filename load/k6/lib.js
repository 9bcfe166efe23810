/**
 * Shared parts of the k6 scripts (`rest.js`, `trpc.js`): one client per surface, the mixed
 * iteration, the scenarios and thresholds, a fresh raffle per run and the invariant check at the
 * end.
 *
 * Both surfaces go through the same `call(operation, input)` so that the REST and tRPC scripts
 * run exactly the same workload and differ only on the wire: REST sends path, query and body;
 * tRPC sends the whole input as superjson (`{"json": input}`), in the body of a mutation or the
 * `input` query parameter of a query, and answers `{"result":{"data":{"json": …}}}` or
 * `{"error":{"json":{…,"reason": …}}}`.
 *
 * Written as plain ES2015 modules, without optional chaining, nullish coalescing or class fields,
 * so that k6 releases from 0.4x on run it unchanged.
 */
import { check } from 'k6';
import http from 'k6/http';
import { Counter, Rate } from 'k6/metrics';
import { buildOptions as buildOptionsFrom } from './options.js';
import {
  expectedRefusals,
  issueCountMax,
  listPageLimit,
  operationMix,
  randomInt,
  randomPair,
  randomUsername,
  successStatus,
  transferCountMax,
} from './workload.js';

/**
 * @typedef {'rest' | 'trpc'} Surface
 * @typedef {'load' | 'setup' | 'teardown'} Phase
 * @typedef {{ status: number, value: any, reason: string | null }} Outcome
 * @typedef {{ surface: Surface, call: (operation: string, input: Record<string, any>, phase: Phase) => Outcome }} Client
 * @typedef {{ method: 'GET' | 'POST', procedure: string, rest: (input: Record<string, any>) => { path: string, body?: Record<string, any> } }} Route
 */

/** Where the service listens; `-e BASE_URL=…` on the k6 command line. */
export const baseUrl = (__ENV.BASE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');

/**
 * Page size of the invariant check's walk through the participants: a tenth of the pool, so the
 * walk follows cursors over several pages, as a client of a large raffle must.
 */
export const checkPageLimit = 100;

/** Share of iterations whose answer was neither a success nor an expected refusal. */
const unexpectedOutcomes = new Rate('unexpected_outcomes');
/** Expected refusals (a transfer from someone holding too few tickets, …), by operation. */
const businessRefusals = new Counter('business_refusals');
/** Problems found by the invariant check at the end; any is a failed run. */
const invariantViolations = new Counter('invariant_violations');

/**
 * The shared tables, indexed by any operation name (the checks below handle a missing entry).
 * @type {Record<string, number | undefined>}
 */
const successByOperation = successStatus;
/** @type {Record<string, readonly string[] | undefined>} */
const refusalsByOperation = expectedRefusals;

/** HTTP status of each expected refusal reason, so k6 does not count them as failed requests. */
/** @type {Record<string, number>} */
const refusalStatus = {
  insufficient_tickets: 409,
  participant_not_found: 404,
  raffle_empty: 409,
};

/**
 * @param {string} text
 * @returns {string}
 */
function enc(text) {
  return encodeURIComponent(text);
}

/** @type {Record<string, Route>} */
const routes = {
  createRaffle: {
    method: 'POST',
    procedure: 'raffles.create',
    rest: function (input) {
      return { path: '/api/raffles', body: input };
    },
  },
  getRaffle: {
    method: 'GET',
    procedure: 'raffles.get',
    rest: function (input) {
      return { path: '/api/raffles/' + enc(input.raffleId) };
    },
  },
  issue: {
    method: 'POST',
    procedure: 'tickets.issue',
    rest: function (input) {
      return {
        path: '/api/raffles/' + enc(input.raffleId) + '/tickets',
        body: { username: input.username, count: input.count },
      };
    },
  },
  transfer: {
    method: 'POST',
    procedure: 'transfers.create',
    rest: function (input) {
      return {
        path: '/api/raffles/' + enc(input.raffleId) + '/transfers',
        body: { from: input.from, to: input.to, count: input.count },
      };
    },
  },
  draw: {
    method: 'POST',
    procedure: 'draws.create',
    rest: function (input) {
      return { path: '/api/raffles/' + enc(input.raffleId) + '/draws', body: {} };
    },
  },
  listParticipants: {
    method: 'GET',
    procedure: 'participants.list',
    rest: function (input) {
      let query = '?limit=' + input.limit;
      if (typeof input.cursor === 'string') query += '&cursor=' + enc(input.cursor);
      return { path: '/api/raffles/' + enc(input.raffleId) + '/participants' + query };
    },
  },
  getParticipant: {
    method: 'GET',
    procedure: 'participants.get',
    rest: function (input) {
      return {
        path: '/api/raffles/' + enc(input.raffleId) + '/participants/' + enc(input.username),
      };
    },
  },
};

/**
 * Statuses k6 should not count in `http_req_failed` for each operation: its success and the
 * statuses of its expected refusals. Built once, in the init context.
 * @type {Record<string, ReturnType<typeof http.expectedStatuses>>}
 */
const responseCallbacks = {};
for (const operation of Object.keys(routes)) {
  const statuses = [operation === 'createRaffle' ? 201 : successByOperation[operation] || 200];
  const refusals = refusalsByOperation[operation] || [];
  for (let i = 0; i < refusals.length; i += 1) {
    const status = refusalStatus[refusals[i]];
    if (status !== undefined && statuses.indexOf(status) < 0) statuses.push(status);
  }
  // A run with RAFFLE_ID finds its raffle already there (409 raffle_id_taken) and takes it over.
  if (operation === 'createRaffle') statuses.push(409);
  responseCallbacks[operation] = http.expectedStatuses(...statuses);
}

/**
 * Follows a path of property names through a parsed JSON body; `null` where one is missing.
 * @param {any} value
 * @param {string[]} keys
 * @returns {any}
 */
function dig(value, keys) {
  let current = value;
  for (let i = 0; i < keys.length; i += 1) {
    if (current === null || typeof current !== 'object') return null;
    current = current[keys[i]];
  }
  return current === undefined ? null : current;
}

/**
 * Status, value and refusal reason of a response, for either surface.
 * @param {Surface} surface
 * @param {import('k6/http').RefinedResponse<any>} response
 * @returns {Outcome}
 */
function outcomeOf(surface, response) {
  /** @type {any} */
  let body = null;
  try {
    body = response.json();
  } catch (error) {
    body = null;
  }
  if (response.status >= 200 && response.status < 300) {
    const value = surface === 'trpc' ? dig(body, ['result', 'data', 'json']) : body;
    return { status: response.status, value: value, reason: null };
  }
  const error = surface === 'trpc' ? dig(body, ['error', 'json']) : body;
  const reason = dig(error, ['reason']);
  return {
    status: response.status,
    value: null,
    reason: typeof reason === 'string' ? reason : null,
  };
}

/**
 * A client for one surface: `call(operation, input, phase)` sends the request and reads the answer.
 * @param {Surface} surface
 * @returns {Client}
 */
export function createClient(surface) {
  return {
    surface: surface,
    call: function (operation, input, phase) {
      const route = routes[operation];
      if (route === undefined) throw new Error('unknown operation ' + operation);
      const params = {
        headers: { 'content-type': 'application/json' },
        tags: { op: operation, phase: phase },
        responseCallback: responseCallbacks[operation],
      };
      let response;
      if (surface === 'rest') {
        const request = route.rest(input);
        const url = baseUrl + request.path;
        response =
          route.method === 'GET'
            ? http.get(url, params)
            : http.post(url, JSON.stringify(request.body || {}), params);
      } else {
        const payload = JSON.stringify({ json: input });
        const url = baseUrl + '/trpc/' + route.procedure;
        response =
          route.method === 'GET'
            ? http.get(url + '?input=' + enc(payload), params)
            : http.post(url, payload, params);
      }
      return outcomeOf(surface, response);
    },
  };
}

/** The mix as cumulative bounds, for picking an operation with one random number. */
const mixOperations = Object.keys(operationMix);
/** @type {number[]} */
const mixBounds = [];
let mixTotal = 0;
for (let i = 0; i < mixOperations.length; i += 1) {
  mixTotal += operationMix[/** @type {keyof typeof operationMix} */ (mixOperations[i])];
  mixBounds.push(mixTotal);
}

/** @returns {string} */
function pickOperation() {
  const r = Math.random() * mixTotal;
  for (let i = 0; i < mixBounds.length; i += 1) {
    if (r < mixBounds[i]) return mixOperations[i];
  }
  return mixOperations[mixOperations.length - 1];
}

/**
 * A random input for an operation, on the raffle of this run.
 * @param {string} operation
 * @param {string} raffleId
 * @returns {Record<string, any>}
 */
function inputFor(operation, raffleId) {
  if (operation === 'issue') {
    return { raffleId: raffleId, username: randomUsername(), count: randomInt(1, issueCountMax) };
  }
  if (operation === 'transfer') {
    const pair = randomPair();
    return {
      raffleId: raffleId,
      from: pair.from,
      to: pair.to,
      count: randomInt(1, transferCountMax),
    };
  }
  if (operation === 'listParticipants') return { raffleId: raffleId, limit: listPageLimit };
  if (operation === 'getParticipant') return { raffleId: raffleId, username: randomUsername() };
  return { raffleId: raffleId };
}

/**
 * Whether a successful answer has the shape the operation promises.
 * @type {Record<string, (value: any, input: Record<string, any>) => boolean>}
 */
const answerIsWellFormed = {
  issue: function (value, input) {
    return value !== null && value.username === input.username && value.tickets >= input.count;
  },
  transfer: function (value, input) {
    return value !== null && value.from.username === input.from && value.to.tickets >= input.count;
  },
  draw: function (value) {
    return value !== null && typeof value.username === 'string' && value.ticketsLeft >= 0;
  },
  listParticipants: function (value) {
    return value !== null && Array.isArray(value.participants);
  },
  getParticipant: function (value, input) {
    return value !== null && value.username === input.username && value.tickets > 0;
  },
  getRaffle: function (value, input) {
    return value !== null && value.id === input.raffleId;
  },
};

/**
 * One iteration of the mixed workload: pick an operation by the mix, send it, check the answer.
 * @param {Client} client
 * @param {string} raffleId
 */
export function runIteration(client, raffleId) {
  const operation = pickOperation();
  const input = inputFor(operation, raffleId);
  const outcome = client.call(operation, input, 'load');
  const succeeded = outcome.status === successByOperation[operation];
  const refused =
    !succeeded &&
    outcome.reason !== null &&
    (refusalsByOperation[operation] || []).indexOf(outcome.reason) >= 0;
  if (refused) businessRefusals.add(1, { op: operation, reason: String(outcome.reason) });
  unexpectedOutcomes.add(!succeeded && !refused, { op: operation });
  /** @type {Record<string, (outcome: Outcome) => boolean>} */
  const checks = {};
  checks[operation + ': success or expected refusal'] = function () {
    return succeeded || refused;
  };
  checks[operation + ': answer well formed'] = function (o) {
    return !succeeded || answerIsWellFormed[operation](o.value, input);
  };
  check(outcome, checks, { op: operation });
}

/**
 * Creates the raffle this run works on: a fresh one (the service has no way to delete it, so each
 * run leaves one raffle behind, counted against `RAFFLES_MAX`), or, with `-e RAFFLE_ID=…`, that
 * raffle, created by the first run and taken over by the next ones, so a long-lived service keeps
 * one raffle for every run.
 * @param {Client} client
 * @returns {{ raffleId: string }}
 */
export function setupRaffle(client) {
  const name = 'k6 ' + client.surface + ' ' + new Date().toISOString();
  const fixed = __ENV.RAFFLE_ID;
  /** @type {Record<string, any>} */
  const input = { name: name };
  if (fixed !== undefined && fixed !== '') input.id = fixed;
  const outcome = client.call('createRaffle', input, 'setup');
  if (input.id !== undefined && outcome.reason === 'raffle_id_taken') return { raffleId: input.id };
  if (outcome.status !== 201 || outcome.value === null || typeof outcome.value.id !== 'string') {
    throw new Error(
      'setup: could not create a raffle at ' +
        baseUrl +
        ' (status ' +
        outcome.status +
        ', reason ' +
        outcome.reason +
        ')',
    );
  }
  return { raffleId: outcome.value.id };
}

/**
 * Walks the whole participant listing and compares it with the raffle's figures. Returns the
 * problems found, none when the raffle is consistent. Must run when nothing writes to the
 * raffle (in `teardown()`), since the listing is read page by page.
 * @param {Client} client
 * @param {string} raffleId
 * @returns {{ problems: string[], participants: number, tickets: number, pages: number }}
 */
export function findInvariantProblems(client, raffleId) {
  /** @type {string[]} */
  const problems = [];
  const raffle = client.call('getRaffle', { raffleId: raffleId }, 'teardown');
  if (raffle.status !== 200 || raffle.value === null) {
    problems.push('raffle ' + raffleId + ': status ' + raffle.status + ' ' + raffle.reason);
    return { problems: problems, participants: 0, tickets: 0, pages: 0 };
  }
  const figures = raffle.value;
  /** @type {Record<string, boolean>} */
  const seen = Object.create(null);
  let tickets = 0;
  let participants = 0;
  let pages = 0;
  const pagesMax = Math.ceil(figures.participantCount / checkPageLimit) + 2;
  /** @type {string | null} */
  let cursor = null;
  do {
    /** @type {Record<string, any>} */
    const input = { raffleId: raffleId, limit: checkPageLimit };
    if (cursor !== null) input.cursor = cursor;
    const page = client.call('listParticipants', input, 'teardown');
    pages += 1;
    if (page.status !== 200 || page.value === null || !Array.isArray(page.value.participants)) {
      problems.push('listing page ' + pages + ': status ' + page.status + ' ' + page.reason);
      break;
    }
    const list = page.value.participants;
    for (let i = 0; i < list.length; i += 1) {
      const entry = list[i];
      const username = entry.username;
      if (typeof username !== 'string' || username.length === 0) {
        problems.push('listing: an entry without a username');
        continue;
      }
      if (seen[username]) problems.push('listing: ' + username + ' appears twice');
      seen[username] = true;
      if (typeof entry.tickets !== 'number' || !(entry.tickets % 1 === 0) || entry.tickets <= 0) {
        problems.push('listing: ' + username + ' holds ' + entry.tickets + ' tickets');
      }
      tickets += entry.tickets;
      participants += 1;
    }
    cursor = typeof page.value.nextCursor === 'string' ? page.value.nextCursor : null;
    if (pages > pagesMax && cursor !== null) {
      problems.push('listing: still not over after ' + pages + ' pages');
      break;
    }
  } while (cursor !== null);
  if (tickets !== figures.totalTickets) {
    problems.push('listed tickets sum to ' + tickets + ', totalTickets is ' + figures.totalTickets);
  }
  if (participants !== figures.participantCount) {
    problems.push(
      'listed ' + participants + ' participants, participantCount is ' + figures.participantCount,
    );
  }
  return { problems: problems, participants: participants, tickets: tickets, pages: pages };
}

/**
 * The end-of-run check: records a k6 check and the `invariant_violations` counter, and throws
 * (so k6 exits non-zero) when the raffle is inconsistent.
 * @param {Client} client
 * @param {string} raffleId
 */
export function checkInvariants(client, raffleId) {
  const report = findInvariantProblems(client, raffleId);
  invariantViolations.add(report.problems.length);
  check(report, {
    'invariants: listing agrees with the raffle figures': function (r) {
      return r.problems.length === 0;
    },
  });
  if (report.problems.length > 0) {
    throw new Error('raffle ' + raffleId + ' is inconsistent: ' + report.problems.join('; '));
  }
  console.log(
    'raffle ' +
      raffleId +
      ' consistent: ' +
      report.participants +
      ' participants, ' +
      report.tickets +
      ' tickets, ' +
      report.pages +
      ' pages',
  );
}

/**
 * The k6 options of a script, from k6's `-e` variables (`options.js`).
 * @param {Surface} surface
 */
export function buildOptions(surface) {
  return buildOptionsFrom(surface, __ENV);
}
