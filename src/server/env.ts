/**
 * Configuration: the environment, parsed and checked by zod once, at boot.
 *
 * Every limit has a default from `src/config/limits.ts` and may be lowered here (never raised past
 * its ceiling). A bad value stops the service at start with a message naming the variable, rather
 * than surfacing later as odd behaviour under load.
 */
import { z } from 'zod';
import {
  assertLimitsConsistent,
  batchSizeMaxDefault,
  bulkItemsMaxDefault,
  bodyBytesMaxDefault,
  countMaxCeiling,
  countMaxDefault,
  etcdTimeoutMsDefault,
  idempotencyAnswerBytesMaxCeiling,
  idempotencyAnswerBytesMaxDefault,
  idempotencyBytesMaxCeiling,
  idempotencyBytesMaxDefault,
  idempotencyKeysMaxDefault,
  idempotencyRecordOverheadBytes,
  idempotencyTtlMsDefault,
  participantsPerRaffleMaxCeiling,
  participantsPerRaffleMaxDefault,
  queueLengthMaxDefault,
  rafflesMaxDefault,
  secretKeyLengthMax,
  secretKeyLengthMin,
  shutdownGraceMsDefault,
  snapshotEveryBytesDefault,
  snapshotEveryCommandsDefault,
} from '../config/limits.js';
import { raffleIdSchema, raffleNameSchema } from '../api/schemas.js';
import {
  managerIpsSchema,
  managerTokenSchema,
  trustProxySchema,
  type TrustProxy,
} from './operator-config.js';

const integer = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * `CORS_ORIGINS`: a comma list of origins (`scheme://host[:port]`, as a browser sends them in
 * `Origin`), or `*` for any; empty (the default) allows none.
 */
const corsOriginsSchema = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .superRefine((origins, context) => {
    for (const origin of origins) {
      if (origin === '*') continue;
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
        context.addIssue({
          code: 'custom',
          message: `'${origin}' is not an origin: write scheme://host[:port], no path or trailing slash`,
        });
      }
    }
    if (origins.includes('*') && origins.length > 1) {
      context.addIssue({
        code: 'custom',
        message: '`*` allows every origin: list nothing beside it',
      });
    }
  });

/** `ETCD_ENDPOINTS`: a comma list of etcd client URLs. */
const etcdEndpointsSchema = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  )
  .pipe(
    z
      .array(z.url({ protocol: /^https?$/, error: 'each endpoint must be an http(s) URL' }))
      .min(1, 'name at least one etcd endpoint'),
  );

/**
 * `SECRET_KEY`: the server secret (see `src/server/server-secret.ts`); empty counts as unset.
 * Printable ASCII without spaces, so that it survives shells and service files unchanged.
 */
const secretKeySchema = z
  .string()
  .optional()
  .transform((text) => (text === '' ? undefined : text))
  .pipe(
    z
      .string()
      .min(
        secretKeyLengthMin,
        `must be at least ${secretKeyLengthMin} characters (for example \`openssl rand -hex 32\`)`,
      )
      .max(secretKeyLengthMax, `must be at most ${secretKeyLengthMax} characters`)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional(),
  );

const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: integer(0, 65_535, 3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_RAFFLE_ID: raffleIdSchema.default('main'),
  DEFAULT_RAFFLE_NAME: raffleNameSchema.default('Main raffle'),
  COUNT_MAX: integer(1, countMaxCeiling, countMaxDefault),
  RAFFLES_MAX: integer(1, 1_000_000, rafflesMaxDefault),
  PARTICIPANTS_PER_RAFFLE_MAX: integer(
    1,
    participantsPerRaffleMaxCeiling,
    participantsPerRaffleMaxDefault,
  ),
  QUEUE_LENGTH_MAX: integer(1, 10_000_000, queueLengthMaxDefault),
  BATCH_SIZE_MAX: integer(1, 1_000_000, batchSizeMaxDefault),
  BODY_BYTES_MAX: integer(1024, 64 * 1_048_576, bodyBytesMaxDefault),
  BULK_ITEMS_MAX: integer(1, 100_000, bulkItemsMaxDefault),
  SHUTDOWN_GRACE_MS: integer(0, 600_000, shutdownGraceMsDefault),
  EXPOSE_INTERNAL_ERRORS: booleanFlag.optional(),
  DURABILITY: z.enum(['fsync', 'none']).default('fsync'),
  DATA_DIR: z.string().min(1).default('./data'),
  COMMAND_LOG: z.enum(['journal', 'etcd']).default('journal'),
  ETCD_ENDPOINTS: etcdEndpointsSchema.optional(),
  ETCD_PREFIX: z
    .string()
    .regex(/^[\x21-\x7e]{1,100}$/, 'printable ASCII, 1 to 100 characters')
    .default('raffle/'),
  ETCD_TIMEOUT_MS: integer(100, 60_000, etcdTimeoutMsDefault),
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash or underscore, 1 to 64')
    .optional(),
  SNAPSHOT_EVERY_COMMANDS: integer(1, 1_000_000_000, snapshotEveryCommandsDefault),
  SNAPSHOT_EVERY_BYTES: integer(4096, 2 ** 40, snapshotEveryBytesDefault),
  IDEMPOTENCY_KEYS_MAX: integer(0, 10_000_000, idempotencyKeysMaxDefault),
  IDEMPOTENCY_TTL_MS: integer(0, 30 * 86_400_000, idempotencyTtlMsDefault),
  IDEMPOTENCY_BYTES_MAX: integer(
    idempotencyRecordOverheadBytes,
    idempotencyBytesMaxCeiling,
    idempotencyBytesMaxDefault,
  ),
  IDEMPOTENCY_ANSWER_BYTES_MAX: integer(
    0,
    idempotencyAnswerBytesMaxCeiling,
    idempotencyAnswerBytesMaxDefault,
  ),
  LOG_REQUESTS: booleanFlag.default(false),
  MANAGER_IPS: managerIpsSchema,
  MANAGER_TOKEN: managerTokenSchema,
  TRUST_PROXY: trustProxySchema,
  SECRET_KEY: secretKeySchema,
  CORS_ORIGINS: corsOriginsSchema,
});

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: string;
  defaultRaffleId: string;
  defaultRaffleName: string;
  countMax: number;
  rafflesMax: number;
  participantsPerRaffleMax: number;
  queueLengthMax: number;
  batchSizeMax: number;
  bodyBytesMax: number;
  bulkItemsMax: number;
  shutdownGraceMs: number;
  exposeInternalErrors: boolean;
  /** `fsync`: journal every batch to `dataDir` before answering; `none`: memory only. */
  durability: 'fsync' | 'none';
  dataDir: string;
  /** `journal`: the local journal (or memory, with `durability: 'none'`); `etcd`: a shared log. */
  commandLog: 'journal' | 'etcd';
  /** etcd client URLs, required with `commandLog: 'etcd'`. */
  etcdEndpoints: readonly string[];
  /** Prefix of every key this service keeps in etcd. */
  etcdPrefix: string;
  /** Deadline of every call to etcd. */
  etcdTimeoutMs: number;
  /** This instance's id on the shared log; kept in `dataDir` when not given. */
  instanceId: string | undefined;
  snapshotEveryCommands: number;
  snapshotEveryBytes: number;
  idempotencyKeysMax: number;
  idempotencyTtlMs: number;
  idempotencyBytesMax: number;
  idempotencyAnswerBytesMax: number;
  /** One access-log line per request (pino-http); off by default, it costs about a third of the throughput. */
  logRequests: boolean;
  /** Addresses and CIDRs whose clients are operators (`MANAGER_IPS`), in canonical form. */
  managerIps: readonly string[];
  /** Origins whose browsers may call the API (`CORS_ORIGINS`), or `['*']`; none by default. */
  corsOrigins: readonly string[];
  /** The operators' bearer token (`MANAGER_TOKEN`), if set. A secret: never log it. */
  managerToken: string | undefined;
  /** Express's `trust proxy` setting (`TRUST_PROXY`): which hops may name the client address. */
  trustProxy: TrustProxy;
  /**
   * The server secret (`SECRET_KEY`), if set; otherwise a key file in `dataDir` or, without a
   * journal, a random key in memory (`src/server/server-secret.ts`). A secret: never log it.
   */
  secretKey: string | undefined;
}

/** Parses an environment into a checked configuration; throws with every problem listed. */
export function parseEnv(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const config: Config = {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    defaultRaffleId: e.DEFAULT_RAFFLE_ID,
    defaultRaffleName: e.DEFAULT_RAFFLE_NAME,
    countMax: e.COUNT_MAX,
    rafflesMax: e.RAFFLES_MAX,
    participantsPerRaffleMax: e.PARTICIPANTS_PER_RAFFLE_MAX,
    queueLengthMax: e.QUEUE_LENGTH_MAX,
    batchSizeMax: e.BATCH_SIZE_MAX,
    bodyBytesMax: e.BODY_BYTES_MAX,
    bulkItemsMax: e.BULK_ITEMS_MAX,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    exposeInternalErrors: e.EXPOSE_INTERNAL_ERRORS ?? e.NODE_ENV !== 'production',
    durability: e.DURABILITY,
    dataDir: e.DATA_DIR,
    commandLog: e.COMMAND_LOG,
    etcdEndpoints: e.ETCD_ENDPOINTS ?? [],
    etcdPrefix: e.ETCD_PREFIX,
    etcdTimeoutMs: e.ETCD_TIMEOUT_MS,
    instanceId: e.INSTANCE_ID,
    snapshotEveryCommands: e.SNAPSHOT_EVERY_COMMANDS,
    snapshotEveryBytes: e.SNAPSHOT_EVERY_BYTES,
    idempotencyKeysMax: e.IDEMPOTENCY_KEYS_MAX,
    idempotencyTtlMs: e.IDEMPOTENCY_TTL_MS,
    idempotencyBytesMax: e.IDEMPOTENCY_BYTES_MAX,
    idempotencyAnswerBytesMax: e.IDEMPOTENCY_ANSWER_BYTES_MAX,
    logRequests: e.LOG_REQUESTS,
    managerIps: e.MANAGER_IPS,
    corsOrigins: e.CORS_ORIGINS,
    managerToken: e.MANAGER_TOKEN,
    trustProxy: e.TRUST_PROXY,
    secretKey: e.SECRET_KEY,
  };
  if (config.commandLog === 'etcd' && config.etcdEndpoints.length === 0) {
    throw new Error(
      'invalid configuration: ETCD_ENDPOINTS: COMMAND_LOG=etcd needs the etcd endpoints',
    );
  }
  assertLimitsConsistent(config);
  return config;
}

/** The configuration with every default, for tests and tools; `overrides` win. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return { ...parseEnv({}), ...overrides };
}
