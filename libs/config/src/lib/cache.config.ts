import { z } from 'zod';
import { booleanFlag, nonNegativeInteger, positiveInteger } from './load-config';

const ratio = () => z.coerce.number().min(0).lt(1);

/**
 * The cache settings of a backend service (libs/cache). `CACHE_ENABLED=false` is the master
 * switch: every read goes to the database, which is what a load test compares against.
 */
export const cacheSchema = z.object({
  CACHE_ENABLED: booleanFlag().default(true),
  /** The in-process tier in front of the remote store. */
  CACHE_MEMORY_ENABLED: booleanFlag().default(true),
  CACHE_MEMORY_MAX_ENTRIES: positiveInteger().default(10_000),
  CACHE_MEMORY_MAX_BYTES: positiveInteger().default(64 * 1024 * 1024),
  /** The shared tier: Redis (REDIS_URL), Memcached (MEMCACHED_SERVERS), or none. */
  CACHE_REMOTE_STORE: z.enum(['redis', 'memcached', 'none']).default('redis'),
  /** Hard limit on every remote cache command. */
  CACHE_COMMAND_TIMEOUT_MS: positiveInteger().default(250),
  /** Consecutive remote failures that open the circuit breaker, and how long it then skips the store. */
  CACHE_BREAKER_FAILURE_THRESHOLD: positiveInteger().default(5),
  CACHE_BREAKER_OPEN_MS: positiveInteger().default(5_000),
  /** Invalidation of the other instances' memory tiers over Redis pub/sub. */
  CACHE_BUS_ENABLED: booleanFlag().default(true),
  CACHE_JITTER_RATIO: ratio().default(0.1),
  /** How long past its TTL a value may be served while it is refreshed, or when the database fails. */
  CACHE_GRACE_SECONDS: nonNegativeInteger().default(300),
  /** A hit after this fraction of the TTL starts a background refresh; 0 turns it off. */
  CACHE_EARLY_REFRESH_RATIO: ratio().default(0.8),
  /** With a stale value at hand, how long to wait for the database before serving it. */
  CACHE_SOFT_TIMEOUT_MS: nonNegativeInteger().default(50),
  /** With nothing cached, how long to wait for the database before answering UNAVAILABLE; 0: no limit. */
  CACHE_HARD_TIMEOUT_MS: nonNegativeInteger().default(0),
  /** How long a "not found" is cached. */
  CACHE_NEGATIVE_TTL_SECONDS: nonNegativeInteger().default(5),
});

export type CacheSettings = z.infer<typeof cacheSchema>;

/**
 * The configuration `createCache` (libs/cache) takes, from a service's validated settings; the
 * shape matches libs/cache's `CacheConfig`, which this util library may not import.
 */
export function cacheConnection(
  config: CacheSettings & { REDIS_URL: string; MEMCACHED_SERVERS: string[] },
  namespace: string,
  ttlSeconds: number,
) {
  return {
    enabled: config.CACHE_ENABLED,
    namespace,
    memory: { enabled: config.CACHE_MEMORY_ENABLED, maxEntries: config.CACHE_MEMORY_MAX_ENTRIES, maxBytes: config.CACHE_MEMORY_MAX_BYTES },
    remote: {
      store: config.CACHE_REMOTE_STORE,
      redisUrl: config.REDIS_URL,
      memcachedServers: config.MEMCACHED_SERVERS.join(','),
      commandTimeoutMs: config.CACHE_COMMAND_TIMEOUT_MS,
      breakerFailureThreshold: config.CACHE_BREAKER_FAILURE_THRESHOLD,
      breakerOpenDurationMs: config.CACHE_BREAKER_OPEN_MS,
    },
    bus: { enabled: config.CACHE_BUS_ENABLED },
    policy: {
      ttlMs: ttlSeconds * 1000,
      jitterRatio: config.CACHE_JITTER_RATIO,
      graceMs: config.CACHE_GRACE_SECONDS * 1000,
      earlyRefreshRatio: config.CACHE_EARLY_REFRESH_RATIO,
      softTimeoutMs: config.CACHE_SOFT_TIMEOUT_MS,
      hardTimeoutMs: config.CACHE_HARD_TIMEOUT_MS,
      negativeTtlMs: config.CACHE_NEGATIVE_TTL_SECONDS * 1000,
    },
  };
}
