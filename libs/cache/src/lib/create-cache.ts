import { type Logger } from '@workshop/observability';
import { Cache } from './cache';
import { type CachePolicy, type LeaseOptions } from './cache-options';
import { cacheBreakerState } from './cache.metrics';
import { RedisInvalidationBus } from './invalidation-bus';
import { MemoryTier } from './memory-tier';
import { MemcachedCacheStore } from './stores/memcached-cache-store';
import { RedisCacheStore } from './stores/redis-cache-store';
import { type RemoteCacheStore } from './stores/remote-cache-store';
import { ResilientCacheStore } from './stores/resilient-cache-store';

export type RemoteStoreKind = 'redis' | 'memcached';

/** Everything a service configures about its cache; see libs/cache/README.md for each option. */
export interface CacheConfig {
  /** The master switch: false builds a cache with no tier, whose `getOrSet` just calls the loader. */
  enabled: boolean;
  namespace: string;
  memory: { enabled: boolean; maxEntries: number; maxBytes: number };
  remote: {
    /** `none` turns the remote tier off. */
    store: RemoteStoreKind | 'none';
    redisUrl: string;
    /** `host:port[,host:port]`, for `store: 'memcached'`. */
    memcachedServers?: string;
    /** Hard limit on every remote command. */
    commandTimeoutMs: number;
    breakerFailureThreshold: number;
    breakerOpenDurationMs: number;
  };
  /** Cross-instance invalidation of the memory tiers on Redis pub/sub (at `remote.redisUrl`). */
  bus: { enabled: boolean };
  policy?: Partial<CachePolicy>;
  lease?: Partial<LeaseOptions>;
}

export const CACHE_CONFIG_DEFAULTS = {
  memory: { enabled: true, maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 },
  commandTimeoutMs: 250,
  breakerFailureThreshold: 5,
  breakerOpenDurationMs: 5_000,
} as const;

/**
 * Builds a cache from configuration: the memory tier, the remote store wrapped in its timeout
 * and circuit breaker, and the invalidation bus. Call `start()` on the result to subscribe to the
 * bus, and `close()` at shutdown.
 */
export function createCache(config: CacheConfig, logger: Logger): Cache {
  if (!config.enabled) return new Cache({ namespace: config.namespace, policy: config.policy, logger }, {});
  const memory = config.memory.enabled ? new MemoryTier(config.memory) : undefined;
  const remote = createRemoteStore(config, logger);
  const bus =
    config.bus.enabled && memory !== undefined
      ? new RedisInvalidationBus(
          { redisUrl: config.remote.redisUrl, commandTimeoutMs: config.remote.commandTimeoutMs },
          `cache-invalidation:${config.namespace}`,
          logger,
        )
      : undefined;
  return new Cache({ namespace: config.namespace, policy: config.policy, lease: config.lease, logger }, { memory, remote, bus });
}

function createRemoteStore(config: CacheConfig, logger: Logger): RemoteCacheStore | undefined {
  const { remote } = config;
  if (remote.store === 'none') return undefined;
  const store =
    remote.store === 'redis'
      ? new RedisCacheStore({ redisUrl: remote.redisUrl, commandTimeoutMs: remote.commandTimeoutMs }, logger)
      : new MemcachedCacheStore(
          { servers: requireMemcachedServers(remote.memcachedServers), commandTimeoutMs: remote.commandTimeoutMs },
          logger,
        );
  const labels = { namespace: config.namespace, store: store.kind };
  cacheBreakerState.set(labels, 0);
  return new ResilientCacheStore(store, {
    commandTimeoutMs: remote.commandTimeoutMs,
    breakerFailureThreshold: remote.breakerFailureThreshold,
    breakerOpenDurationMs: remote.breakerOpenDurationMs,
    onBreakerStateChange: (state) => {
      cacheBreakerState.set(labels, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
      const message = `cache remote store circuit breaker ${state}`;
      if (state === 'open') logger.warn({ ...labels }, `${message}: skipping the store for ${remote.breakerOpenDurationMs} ms`);
      else logger.info({ ...labels }, message);
    },
  });
}

function requireMemcachedServers(servers: string | undefined): string {
  if (servers === undefined || servers === '') throw new Error('cache remote store memcached needs memcachedServers (host:port)');
  return servers;
}
