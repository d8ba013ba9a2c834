/**
 * The few storage operations cache-aside needs, with keys already namespaced. Redis implements it
 * (`RedisCacheStore`); the seam is where a later in-memory tier or a fault-injecting wrapper fits,
 * and what lets the cache-aside rules be unit-tested without a server.
 */
export interface CacheStore {
  /** The stored text, or `null` when absent. */
  get(key: string): Promise<string | null>;
  /** Stores `value` under `key`, expiring after `ttlSeconds`. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
