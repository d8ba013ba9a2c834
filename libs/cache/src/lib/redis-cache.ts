import { createLogger, type Logger } from '@workshop/observability';
import { type CacheStore } from './cache-store';
import { recordCacheError, recordCacheRequest, type CacheOperation } from './cache.metrics';
import { RedisCacheStore } from './redis-cache-store';
import { jsonSerializer, type Serializer } from './serializer';

export interface CacheConfig {
  redisUrl: string;
  /** Prefix of every key (`<namespace>:<key>`) and the `namespace` label of the metrics: one per service or entity. */
  namespace: string;
  /** How long an entry lives when `getOrSet` is not told otherwise. Keep it short: it bounds staleness. */
  defaultTtlSeconds: number;
  /** Hard limit on every Redis command. Default 250 ms. */
  commandTimeoutMs?: number;
}

export interface GetOrSetOptions<T> {
  ttlSeconds?: number;
  serializer?: Serializer<T>;
}

export const CACHE_DEFAULTS = { commandTimeoutMs: 250 } as const;

const NAMESPACE_PATTERN = /^[A-Za-z0-9_.-]+$/;

/**
 * Cache-aside over Redis that degrades instead of failing.
 *
 * `getOrSet` returns the cached value when there is one; otherwise it calls the loader (the
 * source of truth), stores the result with a TTL, and returns it. Redis is an optimisation, never
 * a dependency: when it is down, slow or returns garbage, the loader serves the request (fail
 * open), so an outage costs latency and database load, not errors. Invalidation is by `delete`
 * after a write plus a short TTL as the backstop for deletes that fail.
 */
export class RedisCache {
  private readonly logger: Logger;
  private readonly namespace: string;
  private readonly defaultTtlSeconds: number;
  private readonly store: CacheStore;

  /**
   * @param store where entries live; defaults to Redis at `config.redisUrl`. Tests pass a fake,
   *   and later tiers (in-memory, fault injection) wrap one.
   */
  constructor(config: CacheConfig, logger?: Logger, store?: CacheStore) {
    assertValidConfig(config);
    this.namespace = config.namespace;
    this.defaultTtlSeconds = config.defaultTtlSeconds;
    this.logger = (logger ?? createLogger('cache')).child({ component: 'redis-cache', namespace: config.namespace });
    this.store =
      store ??
      new RedisCacheStore(
        { redisUrl: config.redisUrl, commandTimeoutMs: config.commandTimeoutMs ?? CACHE_DEFAULTS.commandTimeoutMs },
        this.logger,
      );
  }

  /**
   * The cached value of `key`, or the loader's value (then cached for `ttlSeconds`). Never throws
   * because of Redis; the loader's own errors propagate unchanged and are not cached, and neither
   * is an `undefined` result.
   */
  async getOrSet<T>(key: string, loader: () => Promise<T>, options: GetOrSetOptions<T> = {}): Promise<T> {
    const ttlSeconds = options.ttlSeconds ?? this.defaultTtlSeconds;
    assertValidTtl(ttlSeconds);
    const serializer = options.serializer ?? (jsonSerializer as Serializer<T>);
    const storeKey = this.storeKey(key);

    let cachedText: string | null;
    try {
      cachedText = await this.store.get(storeKey);
    } catch (error) {
      this.absorb('get', error, key);
      recordCacheRequest(this.namespace, 'error');
      // Redis just failed; writing back would most likely fail too and add another timeout.
      return loader();
    }

    if (cachedText !== null) {
      try {
        const cached = serializer.deserialize(cachedText);
        recordCacheRequest(this.namespace, 'hit');
        return cached;
      } catch (error) {
        // An entry this code cannot read (its shape changed in a deploy): reload and overwrite it.
        this.absorb('deserialize', error, key);
      }
    }

    recordCacheRequest(this.namespace, 'miss');
    const value = await loader();
    if (value !== undefined) await this.writeBack(storeKey, key, value, serializer, ttlSeconds);
    return value;
  }

  /**
   * Removes entries, typically right after the write that made them stale. A failure is logged
   * and counted but not thrown: the write itself succeeded, and the stale entry expires with its
   * TTL, which is why TTLs stay short.
   */
  async delete(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.store.delete(keys.map((key) => this.storeKey(key)));
    } catch (error) {
      this.absorb('delete', error, keys.join(','));
    }
  }

  /** Readiness probe: rejects when Redis does not answer within the command timeout. */
  ping(): Promise<void> {
    return this.store.ping();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async writeBack<T>(storeKey: string, key: string, value: T, serializer: Serializer<T>, ttlSeconds: number): Promise<void> {
    let text: string;
    try {
      text = serializer.serialize(value);
    } catch (error) {
      this.absorb('serialize', error, key);
      return;
    }
    try {
      // Awaited, bounded by the command timeout, so once getOrSet resolves the next call hits.
      await this.store.set(storeKey, text, ttlSeconds);
    } catch (error) {
      this.absorb('set', error, key);
    }
  }

  private storeKey(key: string): string {
    return `${this.namespace}:${key}`;
  }

  private absorb(operation: CacheOperation, error: unknown, key: string): void {
    recordCacheError(this.namespace, operation);
    this.logger.warn({ err: error, operation, key }, 'cache operation failed; continuing without the cache');
  }
}

function assertValidConfig(config: CacheConfig): void {
  if (!NAMESPACE_PATTERN.test(config.namespace)) {
    throw new Error(`invalid cache namespace ${JSON.stringify(config.namespace)}: use letters, digits, '_', '.', '-'`);
  }
  assertValidTtl(config.defaultTtlSeconds);
  if (config.commandTimeoutMs !== undefined && !(Number.isInteger(config.commandTimeoutMs) && config.commandTimeoutMs > 0)) {
    throw new Error(`invalid commandTimeoutMs ${config.commandTimeoutMs}: expected a positive integer`);
  }
}

function assertValidTtl(ttlSeconds: number): void {
  // Redis rejects EX 0 and fractions; an entry without expiry would defeat the staleness bound.
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new Error(`invalid cache TTL ${ttlSeconds}: expected a positive whole number of seconds`);
  }
}
