import { randomUUID } from 'node:crypto';
import { Cache } from '../lib/cache';
import { type CachePolicy, type LeaseOptions } from '../lib/cache-options';
import { RedisInvalidationBus } from '../lib/invalidation-bus';
import { MemoryTier } from '../lib/memory-tier';
import { RedisCacheStore } from '../lib/stores/redis-cache-store';
import { ResilientCacheStore } from '../lib/stores/resilient-cache-store';
import { eventually, redisUrl, testLogger } from './integration-environment';

export interface CacheInstance {
  cache: Cache;
  memory?: MemoryTier;
  remote: ResilientCacheStore;
}

export interface InstanceOptions {
  memory?: boolean;
  bus?: boolean;
  commandTimeoutMs?: number;
  breakerFailureThreshold?: number;
  breakerOpenDurationMs?: number;
  policy?: Partial<CachePolicy>;
  lease?: Partial<LeaseOptions>;
}

/**
 * Builds "service instances" for integration tests: each its own Redis clients, memory tier and
 * bus subscription, like separate processes, sharing one namespace (unique per test run).
 */
export class CacheInstances {
  readonly namespace = `cache-it-${randomUUID().slice(0, 8)}`;
  private readonly created: CacheInstance[] = [];

  async create(options: InstanceOptions = {}): Promise<CacheInstance> {
    const commandTimeoutMs = options.commandTimeoutMs ?? 500;
    const memory = options.memory === false ? undefined : new MemoryTier({ maxEntries: 1_000, maxBytes: 1_000_000 });
    const store = new RedisCacheStore({ redisUrl, commandTimeoutMs }, testLogger);
    await eventually(() => store.ping());
    const remote = new ResilientCacheStore(store, {
      commandTimeoutMs,
      breakerFailureThreshold: options.breakerFailureThreshold ?? 5,
      breakerOpenDurationMs: options.breakerOpenDurationMs ?? 1_000,
    });
    const bus =
      options.bus === false || memory === undefined
        ? undefined
        : new RedisInvalidationBus({ redisUrl, commandTimeoutMs }, `cache-invalidation:${this.namespace}`, testLogger);
    const cache = new Cache(
      { namespace: this.namespace, logger: testLogger, policy: { ttlMs: 60_000, ...options.policy }, lease: options.lease },
      { memory, remote, bus },
    );
    await cache.start();
    const instance = { cache, memory, remote };
    this.created.push(instance);
    return instance;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.created.map((instance) => instance.cache.close()));
    this.created.length = 0;
  }
}
