/**
 * An engine with every registered kind, and the default ledger raffle that makes the four ledger
 * operations work with no set-up. The engine itself knows no kind; this is where the service's
 * start-up names one.
 */
import { Engine, type EngineOptions } from '../engine/engine.js';
import type { KindRegistry } from '../engine/kind.js';
import type { LedgerRaffles } from './ledger/kind.js';
import { ledgerKind } from './ledger/kind.js';
import { createKindRegistry } from './registry.js';

export interface RaffleEngineOptions extends Omit<EngineOptions, 'registry'> {
  /** @default every registered kind */
  registry?: KindRegistry | undefined;
  /** Id of the ledger raffle that exists from the start. @example 'main' */
  defaultRaffleId: string;
  /** Its display name. @example 'Main raffle' */
  defaultRaffleName: string;
}

export async function startRaffleEngine(options: RaffleEngineOptions): Promise<Engine> {
  const engine = await Engine.start({
    ...options,
    registry: options.registry ?? createKindRegistry(),
  });
  const raffles = engine.stateMachine.stateOf<LedgerRaffles>(ledgerKind);
  if (!raffles.has(options.defaultRaffleId)) {
    const created = await engine.submit(ledgerKind.commands.createRaffle, {
      id: options.defaultRaffleId,
      name: options.defaultRaffleName,
    });
    if (!created.ok) throw new Error(`cannot create the default raffle: ${created.message}`);
  }
  return engine;
}
