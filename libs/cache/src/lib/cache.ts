import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '@workshop/errors';
import { type Logger } from '@workshop/observability';
import { decodeEntry, encodeEntry, type CacheEntry, type StoredEntry } from './cache-entry';
import {
  assertValidKey,
  assertValidLease,
  assertValidNamespace,
  assertValidPolicy,
  DEFAULT_LEASE,
  DEFAULT_POLICY,
  GENERATION_TTL_MS,
  type CachePolicy,
  type GetOrSetOptions,
  type LeaseOptions,
} from './cache-options';
import {
  cacheBusMessagesTotal,
  cacheCoalescedTotal,
  cacheErrorsTotal,
  cacheLeaseWaitsTotal,
  cacheLoadDurationSeconds,
  cacheLoadsTotal,
  cacheMemoryEntries,
  cacheRequestsTotal,
  cacheStaleServedTotal,
  type CacheOperation,
  type CacheTier,
  type StaleReason,
} from './cache.metrics';
import { CircuitOpenError } from './circuit-breaker';
import { type InvalidationBus } from './invalidation-bus';
import { type MemoryTier } from './memory-tier';
import { jsonSerializer, type Serializer } from './serializer';
import { type ObservedGeneration, type RemoteCacheStore } from './stores/remote-cache-store';

/** Thrown when the loader has not answered within the hard timeout and there is nothing stale to serve. */
export class CacheLoadTimeoutError extends UnavailableError {
  constructor(key: string, timeoutMs: number) {
    super(`Loading ${key} took longer than ${timeoutMs} ms`);
    this.name = 'CacheLoadTimeoutError';
  }
}

/** The tiers and services a cache uses; any tier may be absent (turned off). */
export interface CacheTiers {
  memory?: MemoryTier;
  /** Normally a `ResilientCacheStore` (timeouts and circuit breaker) around Redis or Memcached. */
  remote?: RemoteCacheStore;
  /** Tells other instances to drop their memory entries. Without it, their memory tiers may serve values up to one TTL old. */
  bus?: InvalidationBus;
}

export interface CacheSettings {
  /** Prefix of every key and the `namespace` label of the metrics: one per service. */
  namespace: string;
  policy?: Partial<CachePolicy>;
  lease?: Partial<LeaseOptions>;
  logger: Logger;
  /** Clock and randomness, replaceable in unit tests. */
  now?: () => number;
  random?: () => number;
}

/** The generation keys an entry depends on, and where it lives. */
interface ResolvedCall<T> {
  key: string;
  entryKey: string;
  leaseKey: string;
  generationKeys: string[];
  policy: CachePolicy;
  serializer: Serializer<T>;
}

/** What the remote tier said: a usable entry, and the generations to guard a fill with (undefined: the read failed). */
interface RemoteRead<T> {
  entry?: StoredEntry<T>;
  observed?: ObservedGeneration[];
}

/** State shared by a cache and the namespaces made from it. */
interface CacheCore {
  rootNamespace: string;
  tiers: CacheTiers;
  policy: CachePolicy;
  lease: LeaseOptions;
  logger: Logger;
  now: () => number;
  random: () => number;
  /** In-process single flight: the load running for each entry key. */
  loads: Map<string, Promise<CacheEntry<unknown>>>;
  requestCounters: Map<string, { inc(): void }>;
}

/**
 * Cache-aside in two tiers (in-process memory, then a remote store) that degrades instead of
 * failing, and that no stampede, outage or race can fool. See libs/cache/README.md for the
 * pattern and every option.
 *
 * Reads go through `getOrSet`; writes invalidate with `delete`, `deleteByTag` or `clear` after
 * the source of truth has changed. Keys are namespaced: `getOrSet('user:7', ...)` in namespace
 * `user-service` is stored as `user-service:user:7`; `cache.namespace('orders')` gives a view
 * whose keys live under `user-service/orders:` and which `clear()` empties on its own.
 */
export class Cache {
  private readonly core: CacheCore;
  /** `root` or `root/child/...`: the namespace path of this view. */
  private readonly path: string;

  constructor(settings: CacheSettings, tiers: CacheTiers);
  constructor(core: CacheCore, path: string);
  constructor(settingsOrCore: CacheSettings | CacheCore, tiersOrPath: CacheTiers | string) {
    if (typeof tiersOrPath === 'string') {
      this.core = settingsOrCore as CacheCore;
      this.path = tiersOrPath;
      return;
    }
    const settings = settingsOrCore as CacheSettings;
    assertValidNamespace(settings.namespace);
    const policy = { ...DEFAULT_POLICY, ...settings.policy };
    const lease = { ...DEFAULT_LEASE, ...settings.lease };
    assertValidPolicy(policy);
    assertValidLease(lease);
    this.core = {
      rootNamespace: settings.namespace,
      tiers: tiersOrPath,
      policy,
      lease,
      logger: settings.logger.child({ component: 'cache', namespace: settings.namespace }),
      now: settings.now ?? Date.now,
      random: settings.random ?? Math.random,
      loads: new Map(),
      requestCounters: new Map(),
    };
    this.path = settings.namespace;
  }

  /**
   * Starts listening to the invalidation bus: other instances' invalidations drop entries from
   * this memory tier, and a bus reconnect drops all of it (messages may have been missed).
   */
  async start(): Promise<void> {
    const { bus, memory } = this.core.tiers;
    if (bus === undefined || memory === undefined) return;
    await bus.start({
      onInvalidation: (generationKeys) => {
        cacheBusMessagesTotal.inc({ namespace: this.core.rootNamespace, direction: 'received' });
        memory.invalidate(generationKeys);
        this.recordMemorySize();
      },
      onReconnect: () => {
        memory.clear();
        this.recordMemorySize();
      },
    });
  }

  /** A view of this cache whose keys, tags and `clear()` are confined to a sub-namespace. */
  namespace(name: string): Cache {
    assertValidNamespace(name);
    return new Cache(this.core, `${this.path}/${name}`);
  }

  /**
   * The value of `key`: from memory, else from the remote tier, else from `loader` (once per key
   * across all instances), which is then stored in both tiers.
   *
   * Never fails because of the cache: a remote store that is down or slow costs at most its
   * command timeout and is then skipped by its circuit breaker. The loader's errors propagate
   * (unless a stale value within its grace period can be served instead) and are never cached. A
   * `null` result is cached for `negativeTtlMs`; `undefined` is never cached. With no tier (the
   * cache switched off) it only calls the loader.
   */
  async getOrSet<T>(key: string, loader: () => Promise<T>, options: GetOrSetOptions<T> = {}): Promise<T> {
    const call = this.resolve(key, options);
    const { memory } = this.core.tiers;
    // No tier at all: the cache is switched off, and every read goes to the source.
    if (memory === undefined && this.core.tiers.remote === undefined) return loader();
    const now = this.core.now();

    const inMemory = memory?.get(call.entryKey) as CacheEntry<T> | undefined;
    if (inMemory !== undefined && now < inMemory.freshUntil) {
      this.countRequest('memory', 'hit');
      this.refreshEarlyIfDue(call, inMemory, loader, now);
      return inMemory.value as T;
    }
    let stale = inMemory !== undefined && now < inMemory.staleUntil ? inMemory : undefined;
    if (memory !== undefined) this.countRequest('memory', stale ? 'stale' : 'miss');

    const running = this.core.loads.get(call.entryKey) as Promise<CacheEntry<T>> | undefined;
    if (running !== undefined) {
      cacheCoalescedTotal.inc({ namespace: this.core.rootNamespace });
      return this.awaitLoad(call, running, stale);
    }

    // Taken before the remote read: an invalidation that arrives after this point refuses the fill.
    const fillTicket = memory?.beginFill() ?? 0;
    const remote = await this.readRemote(call);
    if (remote.entry !== undefined && now < remote.entry.freshUntil) {
      this.fillMemory(call, remote.entry, fillTicket);
      this.refreshEarlyIfDue(call, remote.entry, loader, now);
      return remote.entry.value as T;
    }
    if (remote.entry !== undefined && (stale === undefined || remote.entry.freshUntil > stale.freshUntil)) stale = remote.entry;

    // Another caller of this process may have started the load while this one read the remote tier.
    const load =
      (this.core.loads.get(call.entryKey) as Promise<CacheEntry<T>> | undefined) ?? this.startLoad(call, loader, remote, fillTicket);
    return this.awaitLoad(call, load, stale);
  }

  /**
   * Stores `value` as the current one, e.g. right after writing it to the source of truth. Loads
   * that started before are refused their write, as after a `delete`.
   */
  async set<T>(key: string, value: T, options: GetOrSetOptions<T> = {}): Promise<void> {
    const call = this.resolve(key, options);
    const [keyGeneration] = call.generationKeys;
    await this.invalidateGenerations([], [keyGeneration as string]);
    const fillTicket = this.core.tiers.memory?.beginFill() ?? 0;
    const entry = this.entryFor(call, value);
    if (entry === undefined) return;
    const remote = await this.readRemote(call);
    await this.store(call, entry, remote.observed, fillTicket);
  }

  /**
   * Invalidates keys everywhere: this memory tier at once, the remote tier, then the other
   * instances' memory tiers through the bus. A load of these keys already running will not
   * write its (old) result. Never throws: a failure is logged and counted, and the entry lives
   * out its TTL, which is why TTLs stay short.
   */
  async delete(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const key of keys) assertValidKey('key', key);
    await this.invalidateGenerations(
      keys.map((key) => this.entryKey(key)),
      keys.map((key) => this.keyGenerationKey(key)),
    );
  }

  /** Invalidates every entry stored with one of these tags (in this namespace), as `delete` does keys. */
  async deleteByTag(...tags: string[]): Promise<void> {
    if (tags.length === 0) return;
    for (const tag of tags) assertValidKey('tag', tag);
    await this.invalidateGenerations(
      [],
      tags.map((tag) => this.tagGenerationKey(tag)),
    );
  }

  /** Invalidates every entry of this namespace and its sub-namespaces, in one operation whatever their number. */
  async clear(): Promise<void> {
    await this.invalidateGenerations([], [`${this.path}:#ns`]);
  }

  /** Rejects when the remote store does not answer within its command timeout; resolves when there is none. */
  async ping(): Promise<void> {
    await this.core.tiers.remote?.ping();
  }

  async close(): Promise<void> {
    const { remote, bus } = this.core.tiers;
    await Promise.allSettled([remote?.close(), bus?.close()]);
  }

  private resolve<T>(key: string, options: GetOrSetOptions<T>): ResolvedCall<T> {
    assertValidKey('key', key);
    const tags = options.tags ?? [];
    for (const tag of tags) assertValidKey('tag', tag);
    const overrides = policyOverrides(options);
    const policy = overrides === undefined ? this.core.policy : { ...this.core.policy, ...overrides };
    if (overrides !== undefined) assertValidPolicy(policy);
    return {
      key,
      entryKey: this.entryKey(key),
      leaseKey: `${this.path}:#lease:${key}`,
      generationKeys: [this.keyGenerationKey(key), ...this.namespaceGenerationKeys(), ...tags.map((tag) => this.tagGenerationKey(tag))],
      policy,
      serializer: options.serializer ?? (jsonSerializer as Serializer<T>),
    };
  }

  private entryKey(key: string): string {
    return `${this.path}:${key}`;
  }

  private keyGenerationKey(key: string): string {
    return `${this.path}:#key:${key}`;
  }

  private tagGenerationKey(tag: string): string {
    return `${this.path}:#tag:${tag}`;
  }

  /** `a:#ns`, `a/b:#ns` for the path `a/b`: clearing a namespace clears its sub-namespaces too. */
  private namespaceGenerationKeys(): string[] {
    const segments = this.path.split('/');
    return segments.map((_segment, index) => `${segments.slice(0, index + 1).join('/')}:#ns`);
  }

  /**
   * One read of the entry and its generations (a single MGET). An entry whose generations differ
   * from the current ones was invalidated (by key, tag or namespace) and is ignored.
   */
  private async readRemote<T>(call: ResolvedCall<T>): Promise<RemoteRead<T>> {
    const { remote } = this.core.tiers;
    if (remote === undefined) return {};
    let values: (string | null)[];
    try {
      values = await remote.getMany([call.entryKey, ...call.generationKeys]);
    } catch (error) {
      this.absorb('get', error, call.key);
      return {};
    }
    const [text, ...generations] = values;
    const observed = call.generationKeys.map((key, index) => ({ key, observed: generations[index] ?? null }));
    if (text === null || text === undefined) {
      this.countRequest('remote', 'miss');
      return { observed };
    }
    let entry: StoredEntry<T>;
    try {
      entry = decodeEntry(text, call.serializer);
    } catch (error) {
      // Written by another version of the code, say: reload and overwrite it.
      this.absorb('deserialize', error, call.key);
      this.countRequest('remote', 'miss');
      return { observed };
    }
    const now = this.core.now();
    const current =
      entry.generations.length === observed.length && entry.generations.every((value, index) => value === observed[index]?.observed);
    if (!current || now >= entry.staleUntil) {
      this.countRequest('remote', 'miss');
      return { observed };
    }
    this.countRequest('remote', now < entry.freshUntil ? 'hit' : 'stale');
    return { entry, observed };
  }

  /** Runs the load for one key, once per process (single flight), and once across instances (the lease). */
  private startLoad<T>(
    call: ResolvedCall<T>,
    loader: () => Promise<T>,
    remoteRead: RemoteRead<T>,
    fillTicket: number,
  ): Promise<CacheEntry<T>> {
    const load = this.loadOnce(call, loader, remoteRead, fillTicket);
    this.core.loads.set(call.entryKey, load);
    // Cleanup and last-resort logging for a load nobody waits for any more (a stale value was served).
    load.then(
      () => this.core.loads.delete(call.entryKey),
      (error: unknown) => {
        this.core.loads.delete(call.entryKey);
        this.core.logger.debug({ err: error, key: call.key }, 'cache load failed');
      },
    );
    return load;
  }

  private async loadOnce<T>(
    call: ResolvedCall<T>,
    loader: () => Promise<T>,
    remoteRead: RemoteRead<T>,
    fillTicket: number,
  ): Promise<CacheEntry<T>> {
    const { remote } = this.core.tiers;
    let observed = remoteRead.observed;
    let leaseToken: string | undefined;
    // The lease is worth taking only when the remote tier answers; otherwise every instance loads.
    if (remote !== undefined && observed !== undefined) {
      const token = randomUUID();
      const acquired = await this.tryAcquireLease(call, token);
      if (acquired) {
        leaseToken = token;
      } else {
        const waited = await this.waitForLeaseHolder(call, token, fillTicket);
        if (waited.entry !== undefined) return waited.entry;
        leaseToken = waited.leaseToken;
        observed = waited.observed;
      }
    }
    try {
      const value = await this.runLoader(call, loader);
      const entry = this.entryFor(call, value);
      if (entry !== undefined) await this.store(call, entry, observed, fillTicket);
      return entry ?? { value, freshUntil: 0, staleUntil: 0 };
    } finally {
      if (leaseToken !== undefined) await this.releaseLease(call, leaseToken);
    }
  }

  private async tryAcquireLease<T>(call: ResolvedCall<T>, token: string): Promise<boolean | undefined> {
    try {
      return await this.core.tiers.remote?.acquireLease(call.leaseKey, token, this.core.lease.ttlMs);
    } catch (error) {
      this.absorb('lease', error, call.key);
      return undefined;
    }
  }

  private async releaseLease<T>(call: ResolvedCall<T>, token: string): Promise<void> {
    try {
      await this.core.tiers.remote?.releaseLease(call.leaseKey, token);
    } catch (error) {
      // It expires by itself after the lease TTL; until then other instances wait, then load.
      this.absorb('lease', error, call.key);
    }
  }

  /**
   * Another instance holds the lease and is loading: poll the remote tier for its value, for at
   * most `lease.waitMs`. Ends early with the value, or with the lease when the holder gave it up
   * without one (its loader failed). After the wait, or when the store fails, the caller loads
   * itself: waiting is an optimisation, never a reason to fail.
   */
  private async waitForLeaseHolder<T>(
    call: ResolvedCall<T>,
    token: string,
    fillTicket: number,
  ): Promise<{ entry?: CacheEntry<T>; leaseToken?: string; observed?: ObservedGeneration[] }> {
    const { waitMs, pollIntervalMs } = this.core.lease;
    const deadline = this.core.now() + waitMs;
    let observed: ObservedGeneration[] | undefined;
    while (this.core.now() < deadline) {
      await sleep(pollIntervalMs);
      const read = await this.readRemote(call);
      observed = read.observed;
      if (observed === undefined) break;
      if (read.entry !== undefined && this.core.now() < read.entry.freshUntil) {
        cacheLeaseWaitsTotal.inc({ namespace: this.core.rootNamespace, outcome: 'value' });
        this.fillMemory(call, read.entry, fillTicket);
        return { entry: read.entry };
      }
      const acquired = await this.tryAcquireLease(call, token);
      if (acquired === undefined) break;
      if (acquired) {
        cacheLeaseWaitsTotal.inc({ namespace: this.core.rootNamespace, outcome: 'lease_taken' });
        return { leaseToken: token, observed };
      }
    }
    cacheLeaseWaitsTotal.inc({ namespace: this.core.rootNamespace, outcome: 'timeout' });
    return { observed };
  }

  private async runLoader<T>(call: ResolvedCall<T>, loader: () => Promise<T>): Promise<T> {
    const stopTimer = cacheLoadDurationSeconds.startTimer({ namespace: this.core.rootNamespace });
    try {
      const value = await loader();
      cacheLoadsTotal.inc({ namespace: this.core.rootNamespace, result: 'success' });
      return value;
    } catch (error) {
      cacheLoadsTotal.inc({ namespace: this.core.rootNamespace, result: 'error' });
      this.core.logger.debug({ err: error, key: call.key }, 'cache loader failed');
      throw error;
    } finally {
      stopTimer();
    }
  }

  /**
   * Serves a load's result. With a stale value at hand the load gets `softTimeoutMs`, then the
   * stale value is served and the load finishes in the background; its failure serves the stale
   * value too. Without one, the caller waits, up to `hardTimeoutMs` when that is set.
   */
  private async awaitLoad<T>(call: ResolvedCall<T>, load: Promise<CacheEntry<T>>, stale: CacheEntry<T> | undefined): Promise<T> {
    const { softTimeoutMs, hardTimeoutMs } = call.policy;
    if (stale !== undefined) {
      const outcome = await settleWithin(load, softTimeoutMs);
      if (outcome.status === 'fulfilled') return outcome.value.value as T;
      const reason: StaleReason = outcome.status === 'rejected' ? 'loader_error' : softTimeoutMs === 0 ? 'refreshing' : 'loader_slow';
      cacheStaleServedTotal.inc({ namespace: this.core.rootNamespace, reason });
      return stale.value as T;
    }
    if (hardTimeoutMs === 0) return (await load).value as T;
    const outcome = await settleWithin(load, hardTimeoutMs);
    if (outcome.status === 'fulfilled') return outcome.value.value as T;
    if (outcome.status === 'rejected') throw outcome.reason;
    cacheLoadsTotal.inc({ namespace: this.core.rootNamespace, result: 'timeout' });
    throw new CacheLoadTimeoutError(call.key, hardTimeoutMs);
  }

  /** Starts one background refresh when a hit falls in the last part of its TTL (`earlyRefreshRatio`). */
  private refreshEarlyIfDue<T>(call: ResolvedCall<T>, entry: CacheEntry<T>, loader: () => Promise<T>, now: number): void {
    const { earlyRefreshRatio, ttlMs } = call.policy;
    if (earlyRefreshRatio === 0 || now < entry.freshUntil - (1 - earlyRefreshRatio) * ttlMs) return;
    if (this.core.loads.has(call.entryKey)) return;
    const fillTicket = this.core.tiers.memory?.beginFill() ?? 0;
    // Registered synchronously, so concurrent hits do not start a second refresh.
    const refresh = this.readRemote(call).then((remoteRead) => this.loadOnce(call, loader, remoteRead, fillTicket));
    this.core.loads.set(call.entryKey, refresh);
    refresh.then(
      () => this.core.loads.delete(call.entryKey),
      (error: unknown) => {
        this.core.loads.delete(call.entryKey);
        this.core.logger.warn({ err: error, key: call.key }, 'early refresh failed; the current value stays until its TTL');
      },
    );
  }

  /** The entry to store for a loader's result, or undefined when it is not to be cached. */
  private entryFor<T>(call: ResolvedCall<T>, value: T): CacheEntry<T> | undefined {
    if (value === undefined) return undefined;
    const { ttlMs, jitterRatio, graceMs, negativeTtlMs } = call.policy;
    const isNegative = value === null;
    if (isNegative && negativeTtlMs === 0) return undefined;
    const baseTtlMs = isNegative ? negativeTtlMs : ttlMs;
    const now = this.core.now();
    const freshUntil = now + Math.max(1, Math.round(baseTtlMs * (1 - jitterRatio * this.core.random())));
    return { value, freshUntil, staleUntil: freshUntil + (isNegative ? 0 : graceMs) };
  }

  /**
   * Writes an entry to both tiers, each only if no invalidation happened since the load began:
   * the remote tier checks the generations it was read under (atomically, in the store), the
   * memory tier its fill ticket. When the remote read failed (`observed` undefined) the remote
   * write is skipped: the store just failed, and a second timeout would only add latency.
   */
  private async store<T>(
    call: ResolvedCall<T>,
    entry: CacheEntry<T>,
    observed: ObservedGeneration[] | undefined,
    fillTicket: number,
  ): Promise<void> {
    const { remote } = this.core.tiers;
    let text: string | undefined;
    try {
      text = encodeEntry({ ...entry, generations: (observed ?? []).map((generation) => generation.observed) }, call.serializer);
    } catch (error) {
      this.absorb('serialize', error, call.key);
      return;
    }
    if (remote !== undefined && observed !== undefined) {
      try {
        const ttlMs = entry.staleUntil - this.core.now();
        if (ttlMs > 0) await remote.setIfGenerationsUnchanged(call.entryKey, text, ttlMs, observed);
      } catch (error) {
        this.absorb('set', error, call.key);
      }
    }
    this.fillMemory(call, entry, fillTicket, Buffer.byteLength(text));
  }

  private fillMemory<T>(call: ResolvedCall<T>, entry: CacheEntry<T>, fillTicket: number, bytes?: number): void {
    const { memory } = this.core.tiers;
    if (memory === undefined || !memory.isFillAllowed(fillTicket, call.generationKeys)) return;
    let size = bytes;
    if (size === undefined) {
      try {
        size = entry.value === null ? 0 : Buffer.byteLength(call.serializer.serialize(entry.value));
      } catch (error) {
        this.absorb('serialize', error, call.key);
        return;
      }
    }
    memory.set(
      call.entryKey,
      { value: entry.value, freshUntil: entry.freshUntil, staleUntil: entry.staleUntil },
      size,
      call.generationKeys,
    );
    this.recordMemorySize();
  }

  private async invalidateGenerations(entryKeys: string[], generationKeys: string[]): Promise<void> {
    const { memory, remote, bus } = this.core.tiers;
    memory?.invalidate(generationKeys);
    this.recordMemorySize();
    if (remote !== undefined) {
      try {
        await remote.invalidate(entryKeys, generationKeys, GENERATION_TTL_MS);
      } catch (error) {
        this.absorb('invalidate', error, generationKeys.join(','));
      }
    }
    // After the remote tier: an instance that drops its memory entry reads the invalidated state.
    if (bus !== undefined) {
      try {
        await bus.publish(generationKeys);
        cacheBusMessagesTotal.inc({ namespace: this.core.rootNamespace, direction: 'published' });
      } catch (error) {
        this.absorb('publish', error, generationKeys.join(','));
      }
    }
  }

  private countRequest(tier: CacheTier, result: 'hit' | 'stale' | 'miss'): void {
    // The labelled child is looked up once: hashing the labels on every hit costs more than the hit.
    const name = `${tier}:${result}`;
    let counter = this.core.requestCounters.get(name);
    if (counter === undefined) {
      counter = cacheRequestsTotal.labels({ namespace: this.core.rootNamespace, tier, result });
      this.core.requestCounters.set(name, counter);
    }
    counter.inc();
  }

  private recordMemorySize(): void {
    const { memory } = this.core.tiers;
    if (memory !== undefined) cacheMemoryEntries.set({ namespace: this.core.rootNamespace }, memory.size);
  }

  private absorb(operation: CacheOperation, error: unknown, key: string): void {
    cacheErrorsTotal.inc({ namespace: this.core.rootNamespace, operation });
    // An open breaker is the expected answer during an outage: one warning when it opened is enough.
    if (error instanceof CircuitOpenError) return;
    this.core.logger.warn({ err: error, operation, key }, 'cache operation failed; continuing without the cache');
  }
}

type Settled<T> = { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown } | { status: 'timeout' };

/** How `promise` settles within `timeoutMs` (0: only if it already has). */
async function settleWithin<T>(promise: Promise<T>, timeoutMs: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timeout' }), timeoutMs);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): Settled<T> => ({ status: 'fulfilled', value }),
        (reason: unknown): Settled<T> => ({ status: 'rejected', reason }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The policy fields a call sets, or undefined when it sets none (the common case, kept allocation-free). */
function policyOverrides<T>(options: GetOrSetOptions<T>): Partial<CachePolicy> | undefined {
  let overrides: Partial<Record<keyof CachePolicy, number>> | undefined;
  for (const name of POLICY_FIELDS) {
    const value = options[name];
    if (value !== undefined) (overrides ??= {})[name] = value;
  }
  return overrides;
}

const POLICY_FIELDS = Object.keys(DEFAULT_POLICY) as (keyof CachePolicy)[];
