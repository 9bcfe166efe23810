/**
 * Every limit of the service, in one place.
 *
 * The zod schemas at the edge, the ledger's business rules and the server's configuration all
 * read their bounds from here, so a limit is changed once and every layer agrees on it. The
 * values below are compile-time defaults; the ones marked "configurable" can be lowered (never
 * raised past the hard ceiling) through environment variables, see `src/server/env.ts`.
 * `assertLimitsConsistent` states how the limits relate and runs at start-up.
 */

/** Largest total of tickets a raffle may hold: totals stay exact in float64 arithmetic. */
export const ticketsTotalMax = Number.MAX_SAFE_INTEGER;

/** Largest number of tickets one issue or transfer may move. Configurable (`COUNT_MAX`). */
export const countMaxDefault = 1_000_000_000;

/** Ceiling of `COUNT_MAX`: a single count must itself be a safe integer. */
export const countMaxCeiling = Number.MAX_SAFE_INTEGER;

/** Username length bounds, in characters (Unicode code points) after NFC normalisation. */
export const usernameLengthMin = 1;
export const usernameLengthMax = 64;

/** Raffle id (slug) length bounds. */
export const raffleIdLengthMin = 1;
export const raffleIdLengthMax = 64;

/** Raffle display name length bounds. */
export const raffleNameLengthMin = 1;
export const raffleNameLengthMax = 200;

/** Most raffles one service holds. Configurable (`RAFFLES_MAX`). */
export const rafflesMaxDefault = 10_000;

/**
 * Most participants one raffle holds. A JavaScript `Map` holds at most 2^24 entries, so the
 * ceiling stays below it; past the limit new participants are refused, existing ones keep working.
 * Configurable (`PARTICIPANTS_PER_RAFFLE_MAX`).
 */
export const participantsPerRaffleMaxDefault = 16_000_000;
export const participantsPerRaffleMaxCeiling = 16_000_000;

/** Page size bounds of the participant and draw listings. */
export const pageLimitDefault = 100;
export const pageLimitMax = 1_000;

/** Longest cursor accepted (a position and its check, see `src/api/paging.ts`). */
export const cursorLengthMax = 64;

/**
 * Most commands waiting in the command queue. Past it, callers get 503 with `Retry-After`.
 * Configurable (`QUEUE_LENGTH_MAX`).
 */
export const queueLengthMaxDefault = 100_000;

/** Most commands applied in one batch (one turn of the writer). Configurable (`BATCH_SIZE_MAX`). */
export const batchSizeMaxDefault = 10_000;

/**
 * Most estimated bytes of commands in one batch (a command larger than this forms a batch of its
 * own). With `batchSizeMax` it bounds the memory and the time of one journal write.
 */
export const batchBytesMaxDefault = 16 * 1_048_576;

/** Most items in one bulk issue or bulk transfer request. Configurable (`BULK_ITEMS_MAX`). */
export const bulkItemsMaxDefault = 10_000;

/** Seconds a client is told to wait in `Retry-After` when the queue is full. */
export const retryAfterSeconds = 1;

/** Largest accepted request body, in bytes. Configurable (`BODY_BYTES_MAX`). */
export const bodyBytesMaxDefault = 1_048_576;

/**
 * Deepest nesting of arrays and objects a JSON body may have. The deepest real input (a bulk
 * request sent through a tRPC batch) nests five levels; the body is scanned for depth before it
 * is parsed, so thousands of levels never reach a recursive walk in a library.
 */
export const jsonDepthMax = 64;

/**
 * Links in one committed seed chain (32 bytes each, all kept in memory): a new chain, and a new
 * journaled commitment, every this many commands that need randomness.
 */
export const seedChainLength = 65_536;

/**
 * Links of the next seed chain computed per event-loop turn while the current one is in use
 * (one SHA-256 each, a few microseconds): small enough that a turn's requests hardly wait.
 */
export const seedChainSliceLinks = 256;

/** Random bytes the queue stamps into each draw and raffle creation when no seed chain is used. */
export const drawSeedBytes = 16;

/**
 * Milliseconds the server waits for queued work to finish on SIGTERM before it exits anyway.
 * Configurable (`SHUTDOWN_GRACE_MS`).
 */
export const shutdownGraceMsDefault = 10_000;

/**
 * Milliseconds without a new request after which a draining service closes its connections
 * (within the grace period). Clients refused with 503 meanwhile are answered, not cut off.
 */
export const shutdownQuietMs = 250;

/** Idempotency key length bounds (printable ASCII). */
export const idempotencyKeyLengthMin = 1;
export const idempotencyKeyLengthMax = 200;

/** Most idempotency records kept; the oldest is forgotten first. Configurable (`IDEMPOTENCY_KEYS_MAX`). */
export const idempotencyKeysMaxDefault = 100_000;

/** Age after which an idempotency record is forgotten: 24 hours. Configurable (`IDEMPOTENCY_TTL_MS`). */
export const idempotencyTtlMsDefault = 86_400_000;

/**
 * Most bytes of idempotency records kept (each counts its stored answer plus
 * `idempotencyRecordOverheadBytes`); the oldest is forgotten first. Configurable
 * (`IDEMPOTENCY_BYTES_MAX`).
 */
export const idempotencyBytesMaxDefault = 256 * 1_048_576;
export const idempotencyBytesMaxCeiling = 4 * 1_024 * 1_048_576;

/**
 * Largest answer kept with an idempotency key, in UTF-8 bytes of its JSON. A larger first answer
 * is not kept: the key still guards against a second application, and a retry is told
 * `idempotency_answer_too_large`. The default holds a bulk answer of `bulkItemsMaxDefault` items
 * with the longest usernames. Configurable (`IDEMPOTENCY_ANSWER_BYTES_MAX`).
 */
export const idempotencyAnswerBytesMaxDefault = 8 * 1_048_576;
export const idempotencyAnswerBytesMaxCeiling = 64 * 1_048_576;

/** What one idempotency record costs besides its answer (key, fingerprint, map entry), counted. */
export const idempotencyRecordOverheadBytes = 256;

/** Largest journal or snapshot record payload; a larger length in a header is corruption. */
export const journalRecordBytesMax = 256 * 1_048_576;

/**
 * Journal records are filled with whole commands up to this many bytes; a command larger than it
 * gets a record of its own (up to `journalRecordBytesMax`).
 */
export const journalRecordFillBytes = 4 * 1_048_576;

/**
 * Snapshot records are filled up to this many bytes (idempotency rows, a kind's records each
 * stand alone); a kind's record must stay below `snapshotKindRecordBytesMax`.
 */
export const snapshotRecordFillBytes = 1_048_576;

/** Largest record a kind's snapshot section may produce: a larger one is a programming error. */
export const snapshotKindRecordBytesMax = 32 * 1_048_576;

/** Journal commands between two snapshots. Configurable (`SNAPSHOT_EVERY_COMMANDS`). */
export const snapshotEveryCommandsDefault = 1_000_000;

/** Journal bytes between two snapshots: 256 MiB. Configurable (`SNAPSHOT_EVERY_BYTES`). */
export const snapshotEveryBytesDefault = 256 * 1_048_576;

/** Participants or draws per record of the ledger's snapshot section. */
export const snapshotChunkEntries = 10_000;

/**
 * Length bounds of `MANAGER_TOKEN`, in characters. The floor refuses short, guessable values
 * (sixteen random base64 characters carry 96 bits; the README suggests 32 random bytes in hex);
 * the ceiling keeps the header far below Node's header size limit.
 */
export const managerTokenLengthMin = 16;
export const managerTokenLengthMax = 1024;

/**
 * Deadline of every call to etcd, in milliseconds: a call to a member that is paused or cut off
 * fails after this long and is retried on another member. Configurable (`ETCD_TIMEOUT_MS`).
 */
export const etcdTimeoutMsDefault = 2_000;

/**
 * How many call deadlines an append to the shared log keeps retrying (a leader election usually
 * ends within one) before its callers are told 503 `log_unavailable`.
 */
export const logAppendDeadlines = 3;

/**
 * Largest entry of the shared log, in bytes: etcd refuses requests over 1.5 MiB by default
 * (`--max-request-bytes`), and the transaction around an entry needs a little room.
 */
export const logEntryBytesMax = 1_258_291;

/** Bytes of one snapshot chunk kept in etcd (one put each, below the request limit). */
export const logSnapshotChunkBytes = 1_048_576;

/** Entries read from the shared log in one range request (each up to `logEntryBytesMax`). */
export const logReadEntriesMax = 32;

/**
 * Milliseconds between two reads of the log tail by every instance: the watch delivers entries at
 * once, and this read finds what a stalled or broken watch missed. It bounds read staleness while
 * etcd has a majority.
 */
export const logPollMs = 500;

/**
 * Links in one seed chain of a writer on the shared log: short, since instances taking turns at
 * seeded commands each commit a chain of their own (see `src/replication/writer-seeds.ts`).
 */
export const writerSeedChainLength = 1_024;

/** Seconds an instance's registration in etcd outlives the instance (its lease). */
export const instanceLeaseSeconds = 10;

/**
 * Most tickets of one prize raffle. Tickets are handed out by a lazy shuffle whose memory grows
 * with claims, not with this number; the bound comes from the maps that hold one entry per claimed
 * ticket (a JavaScript `Map` holds at most 2^24 entries).
 */
export const prizeTicketCountMax = 10_000_000;

/** Most prizes of one prize raffle (each needs a distinct winning ticket, so also at most the tickets). */
export const prizesPerRaffleMax = 10_000;

/** Prize name length bounds, in characters. */
export const prizeNameLengthMin = 1;
export const prizeNameLengthMax = 200;

/** Random bytes of a prize raffle's verification code: 128 bits, shown once, stored as a keyed hash. */
export const verificationCodeBytes = 16;

/** Longest verification code a verification request may send (longer is a 400, not a 403). */
export const verificationCodeLengthMax = 128;

/** Bytes kept of a keyed hash (HMAC-SHA256) of a verification code or a client address: 128 bits. */
export const keyedHashBytes = 16;

/**
 * Length bounds of `SECRET_KEY`, the server secret verification codes are hashed and client
 * addresses pseudonymised with; the floor asks for about 128 bits of a random hex or base64 text.
 */
export const secretKeyLengthMin = 32;
export const secretKeyLengthMax = 1024;

/**
 * Instant-win campaigns (kind `campaign`). A phone keeps at most `campaignDrawsKeptPerPhone` of its
 * latest draws in memory (a fixed-size record per draw in typed arrays, no object per draw), so a
 * phone that draws every day for a year holds 32 draw records, not 365; older draws are counted
 * (`drawCount`) and their coupons stay listed and redeemable, because every coupon is kept (the
 * coupons of a campaign are bounded by the sum of its total quotas, `campaignCouponsMax`).
 */
export const campaignDrawsKeptPerPhone = 32;

/** Most prize categories in one campaign. */
export const campaignPrizesMax = 50;

/** Largest total or daily quota of one prize. */
export const campaignQuotaMax = 10_000_000;

/**
 * Most coupons one campaign can ever hand out: the sum of its prizes' total quotas must stay
 * within it (each coupon is kept for redemption; a JavaScript Map holds at most 2^24 entries).
 */
export const campaignCouponsMax = 16_000_000;

/**
 * Most decimals a prize probability may need once written as its shortest decimal (`1e-30` needs
 * 30; 1/3 as a double needs 16): the draw picks one number among 10^decimals outcomes.
 */
export const campaignProbabilityDecimalsMax = 30;

/** Prize id (slug) length bounds; generated ids are cut to the maximum. */
export const prizeIdLengthMax = 64;

/** Prize display name length bounds. */
export const campaignPrizeNameLengthMin = 1;
export const campaignPrizeNameLengthMax = 200;

/** Time zone name length bound (the longest IANA name is about 30 characters). */
export const timeZoneLengthMax = 64;

/**
 * Earliest and latest instants of a campaign window. From 1972 on, every UTC offset and zone
 * transition falls on a whole minute, which the day computation relies on; ISO 8601 as used here
 * writes four-digit years.
 */
export const campaignInstantMinMs = Date.UTC(1972, 0, 1);
export const campaignInstantMaxMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Longest phone number input, in characters, before parsing (E.164 itself is at most 16). */
export const phoneInputLengthMax = 64;

/** Longest coupon code input, in characters, before normalisation. */
export const couponCodeInputLengthMax = 64;

/** Random bits of a coupon code: 16 characters of Crockford base32. */
export const couponCodeBits = 80;

/**
 * Most commands one `GET /api/audit/log` page holds. A page replays the log from the first
 * command (answers are recomputed, never stored), so a page costs the replay up to its end; a
 * client reads a long log page after page (`raffle-verify --fetch` does).
 */
export const auditPageLimitMax = 100_000;
export const auditPageLimitDefault = 10_000;

/** Longest public beacon value a draw may mix in (a drand round and signature fit many times). */
export const beaconLengthMax = 512;

/** Throws when two limits contradict each other; called once at start-up and in tests. */
export function assertLimitsConsistent(limits: {
  countMax: number;
  participantsPerRaffleMax: number;
  queueLengthMax: number;
  batchSizeMax: number;
  bodyBytesMax: number;
  rafflesMax: number;
}): void {
  const check = (condition: boolean, message: string): void => {
    if (!condition) throw new Error(`limits: ${message}`);
  };
  check(Number.isSafeInteger(limits.countMax), 'countMax must be a safe integer');
  check(limits.countMax >= 1, 'countMax must be at least 1');
  check(limits.countMax <= countMaxCeiling, 'countMax must not pass its ceiling');
  check(limits.countMax <= ticketsTotalMax, 'one count must fit in a raffle total');
  check(limits.participantsPerRaffleMax >= 1, 'participantsPerRaffleMax must be at least 1');
  check(
    limits.participantsPerRaffleMax <= participantsPerRaffleMaxCeiling,
    'participantsPerRaffleMax must stay below the Map size ceiling',
  );
  check(limits.batchSizeMax >= 1, 'batchSizeMax must be at least 1');
  check(limits.queueLengthMax >= limits.batchSizeMax, 'queueLengthMax must hold a full batch');
  check(limits.bodyBytesMax >= 1024, 'bodyBytesMax must be at least 1 KiB');
  check(limits.rafflesMax >= 1, 'rafflesMax must be at least 1 (the default raffle)');
  check(pageLimitDefault <= pageLimitMax, 'pageLimitDefault must not pass pageLimitMax');
  check(usernameLengthMin <= usernameLengthMax, 'username bounds must be ordered');
  check(couponCodeBits >= 64, 'coupon codes must carry at least 64 random bits');
  check(couponCodeBits % 5 === 0, 'coupon codes are whole base32 characters');
  check(
    campaignDrawsKeptPerPhone >= 1 && campaignDrawsKeptPerPhone <= 255,
    'a phone keeps 1 to 255 draws (a byte counts them)',
  );
  check(campaignCouponsMax <= 2 ** 24, 'the coupons of a campaign fit in one Map');
}

/** How often the dashboard's feed samples the metrics and looks for changes, while watched. */
export const dashboardTickMs = 500;

/** Raffles of each kind the dashboard's overview carries (the newest); the API pages the rest. */
export const dashboardRafflesShown = 100;

/** Metric samples the dashboard keeps for its charts (at `dashboardTickMs`: one minute). */
export const dashboardSamplesKept = 120;

/** Recent draws the dashboard keeps to show a page that has just opened. */
export const dashboardDrawsKept = 20;

/** New draws of one raffle the dashboard reports in one tick; a burst past it is summed. */
export const dashboardDrawsPerTickMax = 20;
