/**
 * The commands the engine understands, and what each one answers.
 *
 * A command is plain data, so it can be journaled, replicated and replayed. Mutations change the
 * state and go to the command log; reads go through the same queue only so that they observe a
 * state consistent with every acknowledged write (linearizable reads). The queue turns a `Command`
 * into a `StampedCommand` by adding what `apply` may not produce itself: the sequence number, the
 * time and, where the command needs it, random bytes.
 */
import type { Refusal } from '../domain/reasons.js';
import type {
  DrawPage,
  DrawRecord,
  IssueResult,
  ParticipantBalance,
  ParticipantPage,
  RaffleStats,
  TransferResult,
} from '../ledger/ledger.js';

/**
 * An optional idempotency key on a mutation: the first outcome under a key is kept in the state,
 * and a later mutation with the same key and the same content gets that outcome again without
 * being applied; with other content it is refused (`idempotency_key_reused`).
 */
export interface Keyed {
  idempotencyKey?: string | undefined;
}

/**
 * The limits that change what `apply` answers. They are state, set by a journaled command, so a
 * replay answers with the limits that were in force then even if the configuration changed since.
 */
export interface StateLimits {
  rafflesMax: number;
  participantsPerRaffleMax: number;
  /** Most idempotency records kept; the oldest goes first. */
  idempotencyKeysMax: number;
  /** Age past which an idempotency record is forgotten, measured on stamped command times. */
  idempotencyTtlMs: number;
}

export interface ConfigureCommand extends Keyed {
  type: 'configure';
  limits: StateLimits;
}

export interface CreateRaffleCommand extends Keyed {
  type: 'createRaffle';
  /** A slug; when absent the state machine derives one from the stamped seed. */
  id?: string | undefined;
  name: string;
}

export interface IssueCommand extends Keyed {
  type: 'issue';
  raffleId: string;
  username: string;
  count: number;
}

export interface TransferCommand extends Keyed {
  type: 'transfer';
  raffleId: string;
  from: string;
  to: string;
  count: number;
}

/** Several issues in one command: each item is applied in order as its own operation. */
export interface IssueBulkCommand extends Keyed {
  type: 'issueBulk';
  raffleId: string;
  items: { username: string; count: number }[];
}

/** Several transfers in one command: each item is applied in order as its own operation. */
export interface TransferBulkCommand extends Keyed {
  type: 'transferBulk';
  raffleId: string;
  items: { from: string; to: string; count: number }[];
}

export interface DrawCommand extends Keyed {
  type: 'draw';
  raffleId: string;
}

export interface ListRafflesQuery {
  type: 'listRaffles';
}

export interface GetRaffleQuery {
  type: 'getRaffle';
  raffleId: string;
}

export interface ListParticipantsQuery {
  type: 'listParticipants';
  raffleId: string;
  afterSeq: number;
  limit: number;
}

export interface GetParticipantQuery {
  type: 'getParticipant';
  raffleId: string;
  username: string;
}

export interface ListDrawsQuery {
  type: 'listDraws';
  raffleId: string;
  afterDrawId: number;
  limit: number;
}

export type Mutation =
  | ConfigureCommand
  | CreateRaffleCommand
  | IssueCommand
  | TransferCommand
  | IssueBulkCommand
  | TransferBulkCommand
  | DrawCommand;
export type Query =
  ListRafflesQuery | GetRaffleQuery | ListParticipantsQuery | GetParticipantQuery | ListDrawsQuery;
export type Command = Mutation | Query;

/** What each command answers when it succeeds. */
export interface CommandValues {
  configure: StateLimits;
  createRaffle: RaffleStats;
  issue: IssueResult;
  transfer: TransferResult;
  issueBulk: BulkResult<IssueResult>;
  transferBulk: BulkResult<TransferResult>;
  draw: DrawRecord;
  listRaffles: RaffleStats[];
  getRaffle: RaffleStats;
  listParticipants: ParticipantPage;
  getParticipant: ParticipantBalance;
  listDraws: DrawPage;
}

/** The outcome of each item of a bulk command, in order, and how many were applied. */
export interface BulkResult<T> {
  applied: number;
  refused: number;
  results: Outcome<T>[];
}

export type ValueOf<C extends Command> = CommandValues[C['type']];

export type Outcome<T> = { readonly ok: true; readonly value: T } | Refusal;

export type OutcomeOf<C extends Command> = Outcome<ValueOf<C>>;

/** A mutation with everything `apply` needs to be deterministic. */
export interface StampedCommand<M extends Mutation = Mutation> {
  /** Position in the total order of mutations, from 1. */
  seq: number;
  /** Milliseconds since the epoch when the queue took the command. */
  atMs: number;
  /** Random bytes for draws and generated raffle ids; absent for other commands. */
  seed?: Uint8Array | undefined;
  command: M;
}

const mutationTypes: ReadonlySet<Command['type']> = new Set([
  'configure',
  'createRaffle',
  'issue',
  'transfer',
  'issueBulk',
  'transferBulk',
  'draw',
]);

export function isMutation(command: Command): command is Mutation {
  return mutationTypes.has(command.type);
}

/** Whether the queue must stamp random bytes into this mutation. */
export function needsSeed(command: Mutation): boolean {
  return command.type === 'draw' || command.type === 'createRaffle';
}
