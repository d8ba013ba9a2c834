import { Client } from 'memjs';
import { type Logger } from '@workshop/observability';
import { type ObservedGeneration, type RemoteCacheStore } from './remote-cache-store';

export interface MemcachedConnectionOptions {
  /** `host:port`, or several comma-separated (memjs spreads keys over them by hash). */
  servers: string;
  /** Hard limit on every command. */
  commandTimeoutMs: number;
}

/** Memcached reads an expiry above 30 days as a Unix timestamp; keep relative expiries below it. */
const MAX_RELATIVE_EXPIRY_SECONDS = 30 * 24 * 3600;
const PING_KEY = 'cache-store:ping';

/** Memcached counts expiry in whole seconds: round up, so an entry never dies before its TTL. */
const expirySeconds = (ttlMs: number) => Math.min(MAX_RELATIVE_EXPIRY_SECONDS, Math.max(1, Math.ceil(ttlMs / 1000)));

/**
 * The remote tier on Memcached (binary protocol, through memjs). Memcached has no scripts, so the
 * two atomic steps Redis does in Lua are done differently, and just as safely for readers:
 *
 * - Conditional fill: write the entry, then read the generations back; if one moved, delete the
 *   entry again. Whatever the interleaving with an invalidation (bump generations, then delete
 *   the entry), either the invalidation's delete comes after the write or this read-back sees the
 *   bump. Until the read-back finishes a reader may fetch the entry, but readers compare the
 *   generations stamped in it with the current ones, so they never serve it.
 * - Lease release: read the lease, delete it if it is still ours. Between the two a lease that
 *   expired could be taken by another instance and then be deleted here; the cost is one extra
 *   loader call, never a wrong value.
 *
 * Expiry has a granularity of one second (rounded up).
 */
export class MemcachedCacheStore implements RemoteCacheStore {
  readonly kind = 'memcached';
  /** memjs times out each request, but a conditional fill is several requests: bound the whole. */
  readonly boundsEveryCall = false;
  private readonly client: Client;

  constructor(options: MemcachedConnectionOptions, logger: Logger) {
    const timeoutSeconds = options.commandTimeoutMs / 1000;
    this.client = Client.create(options.servers, {
      timeout: timeoutSeconds,
      conntimeout: Math.max(timeoutSeconds * 4, 1),
      // memjs counts attempts, not retries: 1 means a failed command fails at once, like Redis's.
      retries: 1,
      failover: false,
      keepAlive: true,
      logger: { log: (...parts: unknown[]) => logger.debug({ store: 'memcached' }, parts.map(String).join(' ')) },
    });
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    // memjs writes each request on the one connection without waiting for the previous answer,
    // so these gets are pipelined: one round trip, like Redis's MGET.
    const results = await Promise.all(keys.map((key) => this.client.get(key)));
    return results.map(({ value }) => (value === null ? null : value.toString('utf8')));
  }

  async setIfGenerationsUnchanged(key: string, value: string, ttlMs: number, generations: readonly ObservedGeneration[]): Promise<boolean> {
    await this.client.set(key, value, { expires: expirySeconds(ttlMs) });
    if (generations.length === 0) return true;
    const current = await this.getMany(generations.map((generation) => generation.key));
    if (current.every((found, index) => found === generations[index]?.observed)) return true;
    await this.client.delete(key);
    return false;
  }

  async invalidate(entryKeys: readonly string[], generationKeys: readonly string[], generationTtlMs: number): Promise<void> {
    // Generations first: a fill that reads them back after this point sees the bump.
    await Promise.all(generationKeys.map((key) => this.client.increment(key, 1, { initial: 1, expires: expirySeconds(generationTtlMs) })));
    await Promise.all(entryKeys.map((key) => this.client.delete(key)));
  }

  acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    return this.client.add(key, token, { expires: expirySeconds(ttlMs) });
  }

  async releaseLease(key: string, token: string): Promise<void> {
    const { value } = await this.client.get(key);
    if (value?.toString('utf8') === token) await this.client.delete(key);
  }

  async ping(): Promise<void> {
    await this.client.get(PING_KEY);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
