/** A generation key and the value a reader saw in it (`null`: the key did not exist). */
export interface ObservedGeneration {
  key: string;
  observed: string | null;
}

/**
 * The remote tier: the operations cache-aside needs from a shared store, with keys already
 * namespaced. Redis (`RedisCacheStore`) and Memcached (`MemcachedCacheStore`) implement it and
 * pass the same contract suite (`remote-cache-store.contract.ts`).
 *
 * Generations are counters bumped by every invalidation. A fill remembers the generations it saw
 * before it called the loader and writes only if none moved (`setIfGenerationsUnchanged`), so a
 * load that started before an invalidation cannot write the old value back after it.
 */
export interface RemoteCacheStore {
  /** Which store this is, for logs and metric labels: `redis`, `memcached`. */
  readonly kind: string;
  /**
   * True when the client itself fails every call after the command timeout (ioredis's
   * `commandTimeout`), so `ResilientCacheStore` need not arm a timer of its own per call.
   */
  readonly boundsEveryCall: boolean;
  /** The values of several keys in one round trip, in order; `null` for each absent key. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /**
   * Stores `value` for `ttlMs`, but only if every generation key still holds what was observed.
   * Resolves `false` (and leaves no readable entry) when one moved.
   */
  setIfGenerationsUnchanged(key: string, value: string, ttlMs: number, generations: readonly ObservedGeneration[]): Promise<boolean>;
  /** Bumps each generation key (creating it), then deletes the entries. Generation keys live `generationTtlMs`. */
  invalidate(entryKeys: readonly string[], generationKeys: readonly string[], generationTtlMs: number): Promise<void>;
  /** Takes the lease `key` for `ttlMs` if nobody holds it; `true` when this caller now holds it. */
  acquireLease(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease back, only if `token` still holds it (an expired lease may be someone else's now). */
  releaseLease(key: string, token: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
