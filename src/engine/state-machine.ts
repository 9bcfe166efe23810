/**
 * The deterministic state machine: one state per raffle kind, changed only by `apply`.
 *
 * `apply` does no I/O and reads neither the clock nor a random source; the time and the random
 * bytes travel inside the stamped command. Replaying the same stamped commands in the same order
 * therefore rebuilds the same state, which is what the journal, replicas and audits rely on.
 * Reads (`query`) never change the state. The machine knows kinds only through the registry it is
 * given: it routes each command by its `kind` and `type` to the kind's spec, and keeps what is
 * common to every kind itself — the sequence number, the limits and the idempotency records.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  idempotencyAnswerBytesMaxDefault,
  idempotencyBytesMaxDefault,
  idempotencyKeysMaxDefault,
  idempotencyTtlMsDefault,
} from '../config/limits.js';
import { refuse } from '../domain/reasons.js';
import { ok } from './commands.js';
import type { Mutation, Outcome, StampedCommand, StateLimits } from './commands.js';
import { IdempotencyStore, markReplayed, recordOf, type IdempotencyRecord } from './idempotency.js';
import { effectiveSeed, seedProblem, type SeedCommitment } from './seed-chain.js';
import {
  engineKindName,
  type AnyCommandSpec,
  type BoundQuery,
  type KindRegistry,
  type RaffleKind,
} from './kind.js';

/** Limits for a new state machine; the idempotency bounds default to the service defaults. */
export type StateMachineLimits = Pick<StateLimits, 'rafflesMax' | 'participantsPerRaffleMax'> &
  Partial<StateLimits>;

/** One kind's part of a snapshot. */
export interface SectionImage {
  kind: string;
  version: number;
  records: Iterable<unknown>;
}

/**
 * Everything in the state, for snapshots: `StateMachine.restore(registry, image)` rebuilds a
 * machine whose `digestText()` equals the original's. Iterables walk the live state; consume them
 * before the next `apply`.
 */
export interface StateImage {
  seq: number;
  limits: StateLimits;
  /** The seed chain in use, when one was committed. */
  seeds?: SeedCommitment | undefined;
  sections: Iterable<SectionImage>;
  idempotency: Iterable<[string, IdempotencyRecord]>;
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`state machine assertion failed: ${message}`);
}

/** The limits as text with a fixed field order, for digests. */
export function limitsText(limits: StateLimits): string {
  return JSON.stringify([
    limits.rafflesMax,
    limits.participantsPerRaffleMax,
    limits.idempotencyKeysMax,
    limits.idempotencyTtlMs,
    limits.idempotencyBytesMax,
    limits.idempotencyAnswerBytesMax,
  ]);
}

/**
 * Limits with the engine's defaults for the bounds a caller (or an older journal or snapshot,
 * written before a bound existed) leaves out.
 */
export function withDefaultLimits(limits: StateMachineLimits): StateLimits {
  // Fields in a fixed order, whatever the order given: answers and digests show them as text.
  return {
    rafflesMax: limits.rafflesMax,
    participantsPerRaffleMax: limits.participantsPerRaffleMax,
    idempotencyKeysMax: limits.idempotencyKeysMax ?? idempotencyKeysMaxDefault,
    idempotencyTtlMs: limits.idempotencyTtlMs ?? idempotencyTtlMsDefault,
    idempotencyBytesMax: limits.idempotencyBytesMax ?? idempotencyBytesMaxDefault,
    idempotencyAnswerBytesMax: limits.idempotencyAnswerBytesMax ?? idempotencyAnswerBytesMaxDefault,
  };
}

/** A request's identity for idempotency: its type and content, hashed. */
export function fingerprintOf(type: string, content: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([type, ...content]))
    .digest('hex');
}

/**
 * The engine's own commands, declared like a kind's so that they take idempotency keys the same
 * way: `configure` sets the limits every kind reads from its stamp; `commitSeeds` publishes the
 * anchor of the seed chain whose links the next seeded commands receive (see `seed-chain.ts`).
 */
const engineCommands: Readonly<Record<string, AnyCommandSpec<StateMachine>>> = {
  configure: {
    needsSeed: false,
    schema: z.object({ limits: z.object({}).loose() }),
    content: (fields: { limits: StateLimits }) => [limitsText(fields.limits)],
    apply: (machine, fields: { limits: StateLimits }) =>
      machine.configureFromCommand(fields.limits),
  },
  commitSeeds: {
    needsSeed: false,
    schema: z.object({
      anchor: z.string().regex(/^[0-9a-f]{64}$/),
      length: z.number().int().positive(),
      nonce: z.string().max(64),
    }),
    content: (fields: SeedChainFields) => [fields.anchor, fields.length, fields.nonce],
    apply: (machine, fields: SeedChainFields) => machine.commitSeedsFromCommand(fields),
  },
};

interface SeedChainFields {
  anchor: string;
  length: number;
  nonce: string;
}

function engineSpecOf(command: Mutation): AnyCommandSpec<unknown> | undefined {
  return Object.hasOwn(engineCommands, command.type) ? engineCommands[command.type] : undefined;
}

export class StateMachine {
  private readonly states = new Map<string, unknown>();
  private idempotency = new IdempotencyStore();
  private lastSeq = 0;
  private currentLimits: StateLimits;
  /** The seed chain in use, once one was committed (before that, seeds are taken as they come). */
  private seeds: SeedCommitment | undefined;

  constructor(
    readonly registry: KindRegistry,
    limits: StateMachineLimits,
  ) {
    this.currentLimits = withDefaultLimits(limits);
    for (const kind of registry.kinds) this.states.set(kind.name, kind.create(this.currentLimits));
  }

  /** The limits `apply` uses now (changed only by a `configure` command). */
  get limits(): StateLimits {
    return { ...this.currentLimits };
  }

  /** Idempotency records held now. */
  get idempotencyRecordCount(): number {
    return this.idempotency.size;
  }

  /** Bytes the idempotency records count against `idempotencyBytesMax`. */
  get idempotencyBytes(): number {
    return this.idempotency.bytes;
  }

  /** Sequence number of the last mutation applied (0 before any). */
  get appliedSeq(): number {
    return this.lastSeq;
  }

  /** Raffles of every kind. */
  get raffleCount(): number {
    let count = 0;
    for (const kind of this.registry.kinds) count += kind.raffleCount(this.states.get(kind.name));
    return count;
  }

  /** The state of one kind, for its queries, tests and invariant checks. */
  stateOf<S>(kind: { readonly name: string }): S {
    const state = this.states.get(kind.name);
    assert(state !== undefined, `kind '${kind.name}' is registered`);
    return state as S;
  }

  /**
   * Why a command read back from a log cannot be applied (unknown kind or type, fields its
   * schema refuses), or undefined when it can.
   */
  problemWith(command: Mutation): string | undefined {
    const spec = this.specOf(command);
    if (spec === undefined)
      return `unknown command '${String(command.kind)}.${String(command.type)}'`;
    const checked = spec.schema.safeParse(command);
    return checked.success ? undefined : `fields of '${command.kind}.${command.type}' do not check`;
  }

  /** Whether the queue must stamp random bytes into this mutation. */
  needsSeed(command: Mutation): boolean {
    return this.requireSpec(command).needsSeed;
  }

  apply(stamped: StampedCommand): Outcome<unknown> {
    assert(stamped.seq === this.lastSeq + 1, `seq ${stamped.seq} follows ${this.lastSeq}`);
    this.lastSeq = stamped.seq;
    const { command } = stamped;
    const spec = this.requireSpec(command);
    const key = command.idempotencyKey;
    assert(
      spec.needsSeed === (stamped.seed !== undefined),
      'a seed is stamped exactly when needed',
    );
    // The link is revealed whether the command is applied or answered from an idempotency record:
    // the chain moves on with every seed the log holds.
    const seed = stamped.seed === undefined ? undefined : this.revealSeed(stamped.seed, command);
    if (key === undefined) return this.applySpec(spec, stamped, seed);
    const fingerprint = fingerprintOf(command.type, spec.content(command));
    const found = this.idempotency.lookup(
      key,
      command.kind,
      fingerprint,
      stamped.atMs,
      this.currentLimits,
    );
    if (found.found) {
      const { record } = found;
      if (found.sameRequest && record.answer !== undefined) {
        return markReplayed(JSON.parse(record.answer) as Outcome<unknown>);
      }
      if (found.sameRequest) {
        return refuse(
          'idempotency_answer_too_large',
          `This request was applied once (command ${record.seq}); its answer of ${record.answerBytes} bytes was too large to keep for retries.`,
        );
      }
      return refuse(
        'idempotency_key_reused',
        `This idempotency key was first used for a different request (command ${found.record.seq}).`,
      );
    }
    const outcome = this.applySpec(spec, stamped, seed);
    this.idempotency.remember(
      key,
      recordOf(
        { kind: command.kind, fingerprint, outcome, atMs: stamped.atMs, seq: stamped.seq },
        this.currentLimits,
      ),
      this.currentLimits,
    );
    return outcome;
  }

  query<P, V>(spec: BoundQuery<never, P, V>, fields: P): Outcome<V> {
    const kind = this.registry.get(spec.kind);
    assert(kind !== undefined, `kind '${spec.kind}' is registered`);
    return (spec as BoundQuery<unknown, P, V>).run(this.states.get(kind.name), fields, this.limits);
  }

  /** Applies `configure`; reached only through `apply`. */
  configureFromCommand(limits: StateLimits): Outcome<StateLimits> {
    this.currentLimits = withDefaultLimits(limits);
    for (const kind of this.registry.kinds) {
      kind.configure?.(this.states.get(kind.name), this.currentLimits);
    }
    this.idempotency.trim(this.currentLimits);
    return ok(this.limits);
  }

  private specOf(command: Mutation): AnyCommandSpec<unknown> | undefined {
    if (command.kind === engineKindName) return engineSpecOf(command);
    const kind = this.registry.get(command.kind);
    return kind !== undefined && Object.hasOwn(kind.commands, command.type)
      ? kind.commands[command.type]
      : undefined;
  }

  private requireSpec(command: Mutation): AnyCommandSpec<unknown> {
    const spec = this.specOf(command);
    assert(spec !== undefined, `command '${command.kind}.${command.type}' is registered`);
    return spec;
  }

  private applySpec(
    spec: AnyCommandSpec<unknown>,
    stamped: StampedCommand,
    seed: Uint8Array | undefined,
  ): Outcome<unknown> {
    const { command } = stamped;
    const state = command.kind === engineKindName ? this : this.states.get(command.kind);
    return spec.apply(state, command, {
      seq: stamped.seq,
      atMs: stamped.atMs,
      seed,
      limits: this.currentLimits,
    });
  }

  /**
   * Checks a stamped seed against the committed chain and moves the chain on; the command gets
   * the link mixed with its public beacon value, if it names one.
   */
  private revealSeed(link: Uint8Array, command: Mutation): Uint8Array {
    const seeds = this.seeds;
    if (seeds !== undefined) {
      const problem = seedProblem(seeds, link);
      assert(problem === undefined, problem ?? '');
      seeds.used += 1;
      seeds.last = Buffer.from(link).toString('hex');
    }
    return effectiveSeed(link, typeof command.beacon === 'string' ? command.beacon : undefined);
  }

  /** Applies `commitSeeds`; reached only through `apply`. */
  commitSeedsFromCommand(chain: SeedChainFields): Outcome<SeedCommitment> {
    const { anchor, length, nonce } = chain;
    this.seeds = { anchor, length, nonce, used: 0, last: anchor };
    return ok({ ...this.seeds });
  }

  /** The seed chain in use, for the audit head and for resuming the chain after a restart. */
  get seedCommitment(): SeedCommitment | undefined {
    return this.seeds === undefined ? undefined : { ...this.seeds };
  }

  checkInvariants(): void {
    for (const kind of this.registry.kinds) kind.invariants(this.states.get(kind.name));
  }

  /**
   * A canonical text of the whole logical state (every kind's digest lines, the limits and the
   * idempotency records), for comparing two state machines; replay tests compare these.
   */
  digestText(): string {
    return [...this.digestLines()].join('\n');
  }

  /** SHA-256 (hex) of `digestText()`, computed line by line. */
  digest(): string {
    const hash = createHash('sha256');
    for (const line of this.digestLines()) hash.update(line).update('\n');
    return hash.digest('hex');
  }

  private *digestLines(): Generator<string> {
    yield `seq=${this.lastSeq}`;
    yield limitsText(this.currentLimits);
    if (this.seeds !== undefined) yield `seeds=${JSON.stringify(this.seeds)}`;
    for (const kind of this.registry.kinds) {
      yield `kind=${kind.name}`;
      yield* kind.digest(this.states.get(kind.name));
    }
    for (const [key, record] of this.idempotency.entries()) {
      // Messages are prose for people; the digest keeps what a client switches on.
      const kept =
        record.answer === undefined
          ? `too large: ${record.answerBytes}`
          : JSON.stringify(JSON.parse(record.answer), (name, value: unknown) =>
              name === 'message' ? undefined : value,
            );
      yield `${JSON.stringify([key, record.kind, record.seq, record.atMs])}${kept}`;
    }
  }

  /**
   * Takes over the whole state of `other` (same registry), which must not be used afterwards. A
   * replica that fell behind the part of a shared log still kept loads a snapshot this way, so
   * everything holding this machine sees the new state.
   */
  adopt(other: StateMachine): void {
    assert(other.registry === this.registry, 'an adopted machine has the same registry');
    assert(other.lastSeq >= this.lastSeq, 'an adopted machine is not behind');
    // Every field, so that one added later cannot be forgotten here: the adopted machine is
    // dropped afterwards, so sharing its maps is safe.
    Object.assign(this, other);
  }

  /** The whole state, for a snapshot; see `StateImage`. */
  image(): StateImage {
    const { registry, states } = this;
    return {
      seq: this.lastSeq,
      limits: this.limits,
      seeds: this.seedCommitment,
      sections: (function* () {
        for (const kind of registry.kinds) {
          yield {
            kind: kind.name,
            version: kind.snapshot.version,
            records: kind.snapshot.image(states.get(kind.name)),
          };
        }
      })(),
      idempotency: this.idempotency.entries(),
    };
  }

  /** Rebuilds a machine from an image, as `image()` gave it (possibly read back from a file). */
  static restore(registry: KindRegistry, image: StateImage): StateMachine {
    const machine = new StateMachine(registry, image.limits);
    machine.lastSeq = image.seq;
    machine.seeds = image.seeds === undefined ? undefined : { ...image.seeds };
    const seen = new Set<string>();
    for (const section of image.sections) {
      const kind: RaffleKind | undefined = registry.get(section.kind);
      if (kind === undefined) throw new Error(`the snapshot holds unknown kind '${section.kind}'`);
      assert(!seen.has(section.kind), `kind '${section.kind}' appears once in the image`);
      seen.add(section.kind);
      if (section.version > kind.snapshot.version) {
        throw new Error(
          `the snapshot holds kind '${section.kind}' at version ${section.version}; this version reads up to ${kind.snapshot.version}`,
        );
      }
      machine.states.set(
        kind.name,
        kind.snapshot.restore(section.records, section.version, image.limits),
      );
    }
    for (const [key, record] of image.idempotency) machine.idempotency.restore(key, record);
    return machine;
  }
}
