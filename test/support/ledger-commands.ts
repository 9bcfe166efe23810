/**
 * Ledger commands as plain data for tests: their types, the kind each belongs to, and helpers
 * that submit them to a queue or an engine and read a ledger back out of a state machine.
 */
import type { CommandQueue } from '../../src/engine/command-queue.js';
import type { Mutation, Outcome, StateLimits } from '../../src/engine/commands.js';
import type { Engine } from '../../src/engine/engine.js';
import type { BoundCommand, BoundQuery } from '../../src/engine/kind.js';
import { StateMachine, type StateMachineLimits } from '../../src/engine/state-machine.js';
import { ledgerKind, type LedgerRaffles } from '../../src/kinds/ledger/kind.js';
import type { Ledger } from '../../src/kinds/ledger/ledger.js';
import { createKindRegistry } from '../../src/kinds/registry.js';

type Key = { idempotencyKey?: string | undefined };
export type ConfigureCommand = { kind?: 'engine'; type: 'configure'; limits: StateLimits } & Key;
export type CreateRaffleCommand = {
  type: 'createRaffle';
  id?: string | undefined;
  name: string;
} & Key;
export type IssueCommand = {
  type: 'issue';
  raffleId: string;
  username: string;
  count: number;
} & Key;
export type TransferCommand = {
  type: 'transfer';
  raffleId: string;
  from: string;
  to: string;
  count: number;
} & Key;
export type IssueBulkCommand = {
  type: 'issueBulk';
  raffleId: string;
  items: { username: string; count: number }[];
} & Key;
export type TransferBulkCommand = {
  type: 'transferBulk';
  raffleId: string;
  items: { from: string; to: string; count: number }[];
} & Key;
export type DrawCommand = { type: 'draw'; raffleId: string } & Key;

/** A ledger mutation (or the engine's configure) as tests write it: no `kind` needed. */
export type LedgerMutation =
  | ConfigureCommand
  | CreateRaffleCommand
  | IssueCommand
  | TransferCommand
  | IssueBulkCommand
  | TransferBulkCommand
  | DrawCommand;

type Commands = typeof ledgerKind.commands;
type Queries = typeof ledgerKind.queries;
type ValueOfCommand<T> = T extends BoundCommand<never, never, infer V> ? V : never;
type ValueOfQuery<T> = T extends BoundQuery<never, never, infer V> ? V : never;

export type LedgerQuery =
  | { type: 'listRaffles' }
  | { type: 'getRaffle'; raffleId: string }
  | { type: 'listParticipants'; raffleId: string; afterSeq: number; limit: number }
  | { type: 'getParticipant'; raffleId: string; username: string }
  | { type: 'listDraws'; raffleId: string; afterDrawId: number; limit: number };

export type ValueOf<C extends { type: string }> = C['type'] extends keyof Commands
  ? ValueOfCommand<Commands[C['type']]>
  : C['type'] extends keyof Queries
    ? ValueOfQuery<Queries[C['type']]>
    : C['type'] extends 'configure'
      ? StateLimits
      : never;

/** The command as the engine takes it: with the kind it belongs to. */
export function asMutation(command: LedgerMutation): Mutation {
  return { ...command, kind: command.type === 'configure' ? 'engine' : ledgerKind.name };
}

function isQuery(command: LedgerMutation | LedgerQuery): command is LedgerQuery {
  return Object.hasOwn(ledgerKind.queries, command.type);
}

/** Submits a ledger command or query to a queue or an engine, typed by its `type`. */
export function submitTo<C extends LedgerMutation | LedgerQuery>(
  target: CommandQueue | Engine,
  command: C,
): Promise<Outcome<ValueOf<C>>> {
  if (isQuery(command)) {
    const spec = ledgerKind.queries[command.type] as BoundQuery<never, unknown, unknown>;
    const read = (state: StateMachine) => state.query(spec, command);
    const answer =
      'submitCommand' in target ? target.query(spec, command) : target.submit({ read });
    return answer as Promise<Outcome<ValueOf<C>>>;
  }
  const mutation = asMutation(command);
  const answer =
    'submitCommand' in target ? target.submitCommand(mutation) : target.submit({ mutation });
  return answer as Promise<Outcome<ValueOf<C>>>;
}

/** A state machine with every registered kind. */
export function newStateMachine(limits: StateMachineLimits): StateMachine {
  return new StateMachine(createKindRegistry(), limits);
}

/** One ledger raffle of a state machine, for assertions. */
export function ledgerOf(machine: StateMachine, raffleId: string): Ledger | undefined {
  return machine.stateOf<LedgerRaffles>(ledgerKind).get(raffleId);
}
