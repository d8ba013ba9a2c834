import { type Serializer } from './serializer';

/** How entries of one cache live and are refreshed; every `getOrSet` may override them. */
export interface CachePolicy {
  /** How long a value stays fresh. */
  ttlMs: number;
  /**
   * Each fill shortens its TTL by a random fraction up to this ratio (0.1: TTL x [0.9, 1]), so
   * keys filled together (after a deploy, a flush) do not all expire in the same second.
   */
  jitterRatio: number;
  /**
   * How long after its TTL a value may still be served: while one refresh runs, when the loader
   * fails, or when it is slower than `softTimeoutMs`. 0 turns stale serving off.
   */
  graceMs: number;
  /**
   * A hit after this fraction of the TTL (0.8: in the last 20%) starts one background refresh, so
   * a hot key is renewed before it expires and no request waits for it. 0 turns it off.
   */
  earlyRefreshRatio: number;
  /** With a stale value at hand, how long to wait for the loader before serving the stale one (0: at once). */
  softTimeoutMs: number;
  /**
   * With nothing to serve, how long to wait for the loader before failing with
   * `CacheLoadTimeoutError`. The loader goes on and fills the cache when it finishes. 0: no limit.
   */
  hardTimeoutMs: number;
  /** How long a `null` (not found) result is cached, so missing ids do not hammer the source. 0: not cached. */
  negativeTtlMs: number;
}

export interface GetOrSetOptions<T> extends Partial<CachePolicy> {
  /** Groups to invalidate this entry with (`deleteByTag`), e.g. `user:42` for everything about one user. */
  tags?: readonly string[];
  serializer?: Serializer<T>;
}

/** The cross-instance stampede lock. */
export interface LeaseOptions {
  /** How long a lease lives if its holder dies before releasing it; longer than a slow load. */
  ttlMs: number;
  /** How long other instances wait for the holder's value before calling the loader themselves. */
  waitMs: number;
  /** How often a waiting instance looks for the value. */
  pollIntervalMs: number;
}

export const DEFAULT_POLICY: CachePolicy = {
  ttlMs: 60_000,
  jitterRatio: 0.1,
  graceMs: 0,
  earlyRefreshRatio: 0,
  softTimeoutMs: 0,
  hardTimeoutMs: 0,
  negativeTtlMs: 0,
};

export const DEFAULT_LEASE: LeaseOptions = { ttlMs: 5_000, waitMs: 3_000, pollIntervalMs: 20 };

/**
 * How long generation keys live in the remote store. Any value is safe (a generation that expired
 * reads as changed, so entries filled under it are reloaded); longer means fewer such reloads.
 */
export const GENERATION_TTL_MS = 24 * 3600 * 1000;

const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

export function assertValidNamespace(namespace: string): void {
  if (!NAME_PATTERN.test(namespace)) {
    throw new Error(`invalid cache namespace ${JSON.stringify(namespace)}: use letters, digits, '_', '.', '-'`);
  }
}

/** Keys and tags end up in Redis and Memcached keys: no whitespace or control characters, at most 200 characters. */
export function assertValidKey(kind: 'key' | 'tag', value: string): void {
  if (value.length === 0 || value.length > 200 || /[\s\p{Cc}]/u.test(value)) {
    throw new Error(`invalid cache ${kind} ${JSON.stringify(value)}: 1-200 characters, no whitespace or control characters`);
  }
}

export function assertValidPolicy(policy: CachePolicy): void {
  const problems: string[] = [];
  const nonNegative = (name: keyof CachePolicy) => {
    if (!Number.isFinite(policy[name]) || policy[name] < 0) problems.push(`${name} must be a number >= 0`);
  };
  if (!Number.isFinite(policy.ttlMs) || policy.ttlMs <= 0) problems.push('ttlMs must be > 0');
  for (const name of ['graceMs', 'softTimeoutMs', 'hardTimeoutMs', 'negativeTtlMs'] as const) nonNegative(name);
  for (const name of ['jitterRatio', 'earlyRefreshRatio'] as const) {
    if (!(policy[name] >= 0 && policy[name] < 1)) problems.push(`${name} must be in [0, 1)`);
  }
  if (problems.length > 0) throw new Error(`invalid cache policy: ${problems.join('; ')}`);
}

export function assertValidLease(lease: LeaseOptions): void {
  if (!(lease.ttlMs > 0 && lease.waitMs >= 0 && lease.pollIntervalMs > 0)) {
    throw new Error('invalid cache lease options: ttlMs > 0, waitMs >= 0, pollIntervalMs > 0');
  }
}
