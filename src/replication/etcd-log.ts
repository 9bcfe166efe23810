/**
 * The shared command log in etcd: the key layout and every call the instances make to etcd.
 *
 * Under a prefix (`ETCD_PREFIX`, default `raffle/`):
 *
 *     log/<index, 16 digits>            one entry (a batch of stamped commands), from index 1
 *     log-start                         first index still kept, once older entries were pruned
 *     snapshot-meta/<index>             a complete snapshot of the state after entry <index>
 *     snapshot-data/<index>/<chunk>     its bytes, in chunks below etcd's request limit
 *     instances/<id>                    each running instance, under a lease
 *     secret.key                        the server secret the instances share (unless SECRET_KEY)
 *
 * The append is the fence: a transaction that puts `log/<n+1>` only if that key does not exist
 * and `log/<n>` does (or, for the first entry, nothing was ever pruned), so two writers can never
 * both own an index and a writer that fell behind a pruning cannot write into the gap. When the
 * compare fails, the same transaction returns the entries from `<n+1>` on, so the loser catches
 * up without another round trip. Every call carries a deadline; a call that fails is retried on
 * another member once by the client, then reported, and the log counts as unavailable until a call
 * succeeds again. A failed append is ambiguous (etcd may have committed it): the caller retries
 * the very same bytes at the same index, and recognises its own entry by its bytes.
 */
import { createHash } from 'node:crypto';
import { circuitBreaker, ConsecutiveBreaker, ConstantBackoff, handleWhen, retry } from 'cockatiel';
import { Etcd3, isRecoverableError, Range, type Lease, type Namespace, type Watcher } from 'etcd3';
import { logSnapshotChunkBytes } from '../config/limits.js';
import type { RawEntry } from './log-entry.js';
import type { AppendResult, SharedLog, SnapshotMeta } from './shared-log.js';

export interface EtcdLogOptions {
  /** Client URLs of the etcd members. @example ['http://127.0.0.1:2379'] */
  endpoints: readonly string[];
  /** Prefix of every key. @default 'raffle/' */
  prefix: string;
  /** Deadline of each call, in milliseconds. */
  timeoutMs: number;
}

const digits = 16;
const pad = (n: number): string => String(n).padStart(digits, '0');
const logKey = (index: number): string => `log/${pad(index)}`;
/** The key after every log key: `log0` follows `log/…` in byte order. */
const logEnd = 'log0';
const logStartKey = 'log-start';
const secretKey = 'secret.key';
const metaKey = (index: number): string => `snapshot-meta/${pad(index)}`;
const dataPrefix = (index: number): string => `snapshot-data/${pad(index)}/`;
const chunkKey = (index: number, chunk: number): string =>
  `${dataPrefix(index)}${String(chunk).padStart(6, '0')}`;

/** The index of a log key, or undefined when the key is not one. */
export function indexOfLogKey(key: string): number | undefined {
  const match = /^log\/(\d{16})$/.exec(key);
  return match === null ? undefined : Number(match[1]);
}

export class EtcdLog implements SharedLog {
  readonly client: Etcd3;
  private readonly ns: Namespace;
  private failingSince: number | undefined;
  private lastSuccessAt = 0;

  constructor(private readonly options: EtcdLogOptions) {
    if (options.endpoints.length === 0) throw new Error('etcd: no endpoint given');
    const timeoutMs = options.timeoutMs;
    this.client = new Etcd3({
      hosts: [...options.endpoints],
      dialTimeout: timeoutMs,
      // Streams (watches, lease keep-alives) live on; every single call has its deadline.
      defaultCallOptions: (context) =>
        context.isStream ? {} : { deadline: Date.now() + timeoutMs },
      // Range answers may hold many entries of about a megabyte each.
      grpcOptions: { 'grpc.max_receive_message_length': 256 * 1_048_576 },
      faultHandling: {
        // One retry, on another member; the protocol above retries further with its own clock.
        global: retry(handleWhen(isRecoverableError), {
          maxAttempts: 1,
          backoff: new ConstantBackoff(50),
        }),
        // A member that fails twice in a row is passed over for a second.
        host: () =>
          circuitBreaker(handleWhen(isRecoverableError), {
            halfOpenAfter: 1_000,
            breaker: new ConsecutiveBreaker(2),
          }),
      },
    });
    this.ns = this.client.namespace(options.prefix);
  }

  /** Whether etcd answered lately: false once calls have failed for a whole deadline. */
  get available(): boolean {
    return (
      this.failingSince === undefined || Date.now() - this.failingSince < this.options.timeoutMs
    );
  }

  /** Milliseconds since etcd last answered a call (undefined before the first answer). */
  get sinceLastContactMs(): number | undefined {
    return this.lastSuccessAt === 0 ? undefined : Date.now() - this.lastSuccessAt;
  }

  /** Runs one call, keeping track of whether etcd answers. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.failingSince = undefined;
      this.lastSuccessAt = Date.now();
      return result;
    } catch (error) {
      this.failingSince ??= Date.now();
      throw error;
    }
  }

  /**
   * Puts `value` at `index` if that index is free and the entry before it exists: the fence.
   * Throws when etcd does not answer in time, in which case the entry may or may not be in the
   * log: retry with the same bytes to find out.
   */
  append(index: number, value: Buffer, foundMax: number): Promise<AppendResult> {
    return this.call(async () => {
      const ifFree = this.ns.if(logKey(index), 'Create', '==', 0);
      const fenced =
        index === 1
          ? ifFree.and(logStartKey, 'Create', '==', 0)
          : ifFree.and(logKey(index - 1), 'Create', '>', 0);
      const response = await fenced
        .then(this.ns.put(logKey(index)).value(value))
        .else(
          this.ns
            .getAll()
            .inRange(new Range(logKey(index), logEnd))
            .limit(foundMax),
        )
        .commit();
      if (response.succeeded) return { committed: true };
      // Keys in a transaction's answer keep the prefix (a range's answer comes without it).
      const kvs = response.responses[0]?.response_range?.kvs ?? [];
      return { committed: false, found: this.entriesOf(kvs, this.options.prefix) };
    });
  }

  /** Up to `limit` entries from `fromIndex` on (the first may be later when older ones were pruned). */
  read(fromIndex: number, limit: number): Promise<{ entries: RawEntry[]; revision: string }> {
    return this.call(async () => {
      const response = await this.ns
        .getAll()
        .inRange(new Range(logKey(fromIndex), logEnd))
        .limit(limit)
        .exec();
      return { entries: this.entriesOf(response.kvs), revision: response.header.revision };
    });
  }

  private entriesOf(kvs: readonly { key: Buffer; value: Buffer }[], prefix = ''): RawEntry[] {
    const entries: RawEntry[] = [];
    for (const kv of kvs) {
      const index = indexOfLogKey(kv.key.toString().slice(prefix.length));
      if (index !== undefined) entries.push({ index, value: kv.value });
    }
    return entries;
  }

  /**
   * Watches new entries from `fromRevision` on. `onEntry` gets each put in log order; `onBroken`
   * is called when etcd cancels the watch (for example because the revision was compacted): the
   * caller then reads ranges and watches again.
   */
  watch(
    fromRevision: string,
    onEntry: (entry: RawEntry) => void,
    onBroken: (error: Error) => void,
  ): { close(): Promise<void> } {
    let watcher: Watcher | undefined;
    let closed = false;
    this.ns
      .watch()
      .prefix('log/')
      .startRevision(fromRevision)
      .create()
      .then(
        (created) => {
          watcher = created;
          if (closed) {
            void created.cancel();
            return;
          }
          created.on('put', (kv) => {
            const index = indexOfLogKey(kv.key.toString());
            if (index !== undefined) onEntry({ index, value: kv.value });
          });
          created.on('error', (error) => onBroken(error));
        },
        (error: unknown) => onBroken(error instanceof Error ? error : new Error(String(error))),
      );
    return {
      close: async () => {
        closed = true;
        await watcher?.cancel().catch(() => undefined);
      },
    };
  }

  /** The complete snapshots kept, oldest first. */
  snapshotMetas(): Promise<SnapshotMeta[]> {
    return this.call(async () => {
      const values = await this.ns.getAll().prefix('snapshot-meta/').strings();
      return Object.values(values)
        .map((text) => JSON.parse(text) as SnapshotMeta)
        .sort((a, b) => a.index - b.index);
    });
  }

  /** Stores a snapshot: its chunks first, its meta last, so a meta always names a whole one. */
  async putSnapshot(
    header: Omit<SnapshotMeta, 'chunks' | 'bytes' | 'sha256'>,
    data: Buffer,
  ): Promise<SnapshotMeta> {
    const chunks = Math.max(1, Math.ceil(data.length / logSnapshotChunkBytes));
    for (let chunk = 0; chunk < chunks; chunk += 1) {
      const part = data.subarray(
        chunk * logSnapshotChunkBytes,
        (chunk + 1) * logSnapshotChunkBytes,
      );
      await this.call(() => this.ns.put(chunkKey(header.index, chunk)).value(part).exec());
    }
    const meta: SnapshotMeta = {
      ...header,
      chunks,
      bytes: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    };
    await this.call(() => this.ns.put(metaKey(header.index)).value(JSON.stringify(meta)).exec());
    return meta;
  }

  /** The bytes of a snapshot, checked against its meta. */
  async readSnapshot(meta: SnapshotMeta): Promise<Buffer> {
    const parts: Buffer[] = [];
    const perRead = 8;
    for (let chunk = 0; chunk < meta.chunks; chunk += perRead) {
      const response = await this.call(() =>
        this.ns
          .getAll()
          .inRange(new Range(chunkKey(meta.index, chunk), chunkKey(meta.index, chunk + perRead)))
          .exec(),
      );
      for (const kv of response.kvs) parts.push(kv.value);
    }
    const data = Buffer.concat(parts);
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (parts.length !== meta.chunks || sha256 !== meta.sha256) {
      throw new Error(`snapshot after entry ${meta.index} does not match its checksum`);
    }
    return data;
  }

  /**
   * Removes every snapshot older than `keep` and every log entry up to `keep.index`, then
   * compacts etcd's history up to that moment so the space is reused.
   */
  async prune(keep: SnapshotMeta, older: readonly SnapshotMeta[]): Promise<void> {
    for (const meta of older) {
      await this.call(() => this.ns.delete().key(metaKey(meta.index)).exec());
      await this.call(() => this.ns.delete().prefix(dataPrefix(meta.index)).exec());
    }
    // `log-start` first: from then on no writer can take index 1 again.
    await this.call(() =>
      this.ns
        .put(logStartKey)
        .value(String(keep.index + 1))
        .exec(),
    );
    const deleted = await this.call(() =>
      this.ns
        .delete()
        .inRange(new Range(logKey(1), logKey(keep.index + 1)))
        .exec(),
    );
    await this.call(() =>
      this.client.kv.compact({ revision: deleted.header.revision, physical: false }),
    );
  }

  /**
   * Registers a running instance under a lease that ends soon after the instance does. A lease
   * lost while etcd was unreachable is taken again, so the registration comes back with etcd.
   * Resolves with the function that removes it.
   */
  async register(
    instanceId: string,
    info: object,
    ttlSeconds: number,
  ): Promise<() => Promise<void>> {
    let closed = false;
    let lease: Lease | undefined;
    const take = async (): Promise<void> => {
      const taken = this.ns.lease(ttlSeconds);
      taken.on('lost', () => {
        if (closed) return;
        setTimeout(() => void take().catch(() => undefined), ttlSeconds * 500).unref();
      });
      lease = taken;
      await this.call(() =>
        taken.put(`instances/${instanceId}`).value(JSON.stringify(info)).exec(),
      );
    };
    await take();
    return async () => {
      closed = true;
      await lease?.revoke().catch(() => undefined);
    };
  }

  /**
   * The secret every instance of this log shares (keyed hashes, pseudonyms, seals): the first
   * instance to ask stores `proposal`, every later one reads it. Anyone who can read etcd can read
   * it, as anyone who can read a data directory can read the journal's `secret.key`; set
   * `SECRET_KEY` on every instance to keep it out of etcd.
   */
  sharedSecret(proposal: string): Promise<Buffer> {
    return this.call(async () => {
      const response = await this.ns
        .if(secretKey, 'Create', '==', 0)
        .then(this.ns.put(secretKey).value(proposal))
        .else(this.ns.get(secretKey))
        .commit();
      if (response.succeeded) return Buffer.from(proposal, 'utf8');
      const kv = response.responses[0]?.response_range?.kvs?.[0];
      if (kv === undefined) throw new Error('etcd: the shared secret vanished');
      return Buffer.from(kv.value);
    });
  }

  /** The instances registered now. */
  instances(): Promise<Record<string, unknown>[]> {
    return this.call(async () => {
      const values = await this.ns.getAll().prefix('instances/').strings();
      return Object.values(values).map((text) => JSON.parse(text) as Record<string, unknown>);
    });
  }

  close(): void {
    this.client.close();
  }
}
