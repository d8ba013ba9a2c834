import { createLogger, metricsRegistry } from '@workshop/observability';
import { type CacheStore } from './cache-store';
import { RedisCache } from './redis-cache';
import { type Serializer } from './serializer';

/** A tiny in-memory `CacheStore` that records TTLs and can be told to fail any operation. */
class FakeCacheStore implements CacheStore {
  readonly entries = new Map<string, { value: string; ttlSeconds: number }>();
  readonly failing = new Set<'get' | 'set' | 'delete'>();

  async get(key: string): Promise<string | null> {
    this.failIf('get');
    return this.entries.get(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.failIf('set');
    this.entries.set(key, { value, ttlSeconds });
  }

  async delete(keys: readonly string[]): Promise<void> {
    this.failIf('delete');
    for (const key of keys) this.entries.delete(key);
  }

  async ping(): Promise<void> {
    this.failIf('get');
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private failIf(operation: 'get' | 'set' | 'delete'): void {
    if (this.failing.has(operation)) throw new Error(`injected ${operation} failure`);
  }
}

async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = metricsRegistry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  return values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))?.value ?? 0;
}

const logger = createLogger('cache-unit-test', 'silent');
let namespaceCounter = 0;

function createCache(overrides: { defaultTtlSeconds?: number } = {}) {
  const store = new FakeCacheStore();
  const namespace = `unit${(namespaceCounter += 1)}`;
  const cache = new RedisCache(
    { redisUrl: 'redis://unused', namespace, defaultTtlSeconds: overrides.defaultTtlSeconds ?? 30 },
    logger,
    store,
  );
  return { cache, store, namespace };
}

describe('RedisCache (cache-aside rules, on a fake store)', () => {
  it('calls the loader on a miss, then serves the stored value', async () => {
    const { cache, store, namespace } = createCache();
    const loader = jest.fn(() => Promise.resolve({ id: 7, name: 'Ada' }));

    expect(await cache.getOrSet('user:7', loader)).toEqual({ id: 7, name: 'Ada' });
    expect(await cache.getOrSet('user:7', loader)).toEqual({ id: 7, name: 'Ada' });

    expect(loader).toHaveBeenCalledTimes(1);
    expect(store.entries.get(`${namespace}:user:7`)).toEqual({ value: '{"id":7,"name":"Ada"}', ttlSeconds: 30 });
    expect(await counterValue('cache_requests_total', { namespace, result: 'miss' })).toBe(1);
    expect(await counterValue('cache_requests_total', { namespace, result: 'hit' })).toBe(1);
  });

  it('uses the per-call TTL over the default', async () => {
    const { cache, store, namespace } = createCache({ defaultTtlSeconds: 30 });
    await cache.getOrSet('k', () => Promise.resolve(1), { ttlSeconds: 5 });
    expect(store.entries.get(`${namespace}:k`)?.ttlSeconds).toBe(5);
  });

  it('propagates the loader error unchanged and caches nothing', async () => {
    const { cache, store } = createCache();
    const failure = new Error('database down');
    await expect(cache.getOrSet('k', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(store.entries.size).toBe(0);
  });

  it('does not cache undefined, but does cache null', async () => {
    const { cache, store, namespace } = createCache();
    expect(await cache.getOrSet('absent', () => Promise.resolve(undefined))).toBeUndefined();
    expect(await cache.getOrSet('nothing', () => Promise.resolve(null))).toBeNull();
    expect([...store.entries.keys()]).toEqual([`${namespace}:nothing`]);
  });

  it('serves the loader when the store read fails, counts the error, and skips the write-back', async () => {
    const { cache, store, namespace } = createCache();
    store.failing.add('get');
    expect(await cache.getOrSet('k', () => Promise.resolve('fresh'))).toBe('fresh');
    expect(store.entries.size).toBe(0);
    expect(await counterValue('cache_requests_total', { namespace, result: 'error' })).toBe(1);
    expect(await counterValue('cache_errors_total', { namespace, operation: 'get' })).toBe(1);
  });

  it('returns the value when the write-back fails', async () => {
    const { cache, store, namespace } = createCache();
    store.failing.add('set');
    expect(await cache.getOrSet('k', () => Promise.resolve('fresh'))).toBe('fresh');
    expect(await counterValue('cache_errors_total', { namespace, operation: 'set' })).toBe(1);
  });

  it('treats an entry it cannot deserialize as a miss and overwrites it', async () => {
    const { cache, store, namespace } = createCache();
    store.entries.set(`${namespace}:k`, { value: '{not json', ttlSeconds: 30 });
    expect(await cache.getOrSet('k', () => Promise.resolve({ ok: true }))).toEqual({ ok: true });
    expect(store.entries.get(`${namespace}:k`)?.value).toBe('{"ok":true}');
    expect(await counterValue('cache_errors_total', { namespace, operation: 'deserialize' })).toBe(1);
  });

  it('serves the value uncached when it cannot be serialized', async () => {
    const { cache, store, namespace } = createCache();
    const circular: { self?: unknown } = {};
    circular.self = circular;
    expect(await cache.getOrSet('k', () => Promise.resolve(circular))).toBe(circular);
    expect(store.entries.size).toBe(0);
    expect(await counterValue('cache_errors_total', { namespace, operation: 'serialize' })).toBe(1);
  });

  it('uses a custom serializer both ways', async () => {
    const { cache } = createCache();
    const upperCase: Serializer<string> = { serialize: (value) => value.toUpperCase(), deserialize: (text) => `read:${text}` };
    await cache.getOrSet('k', () => Promise.resolve('abc'), { serializer: upperCase });
    expect(await cache.getOrSet('k', () => Promise.resolve('unused'), { serializer: upperCase })).toBe('read:ABC');
  });

  it('delete removes namespaced keys, and a failing delete is counted, not thrown', async () => {
    const { cache, store, namespace } = createCache();
    await cache.getOrSet('a', () => Promise.resolve(1));
    await cache.getOrSet('b', () => Promise.resolve(2));
    await cache.delete('a', 'b');
    expect(store.entries.size).toBe(0);

    store.failing.add('delete');
    await expect(cache.delete('a')).resolves.toBeUndefined();
    expect(await counterValue('cache_errors_total', { namespace, operation: 'delete' })).toBe(1);
    await expect(cache.delete()).resolves.toBeUndefined();
  });

  it('rejects configuration that would break the staleness bound or the key scheme', () => {
    const store = new FakeCacheStore();
    const valid = { redisUrl: 'redis://unused', namespace: 'users', defaultTtlSeconds: 30 };
    expect(() => new RedisCache({ ...valid, namespace: '' }, logger, store)).toThrow(/namespace/);
    expect(() => new RedisCache({ ...valid, namespace: 'has space' }, logger, store)).toThrow(/namespace/);
    expect(() => new RedisCache({ ...valid, defaultTtlSeconds: 0 }, logger, store)).toThrow(/TTL/);
    expect(() => new RedisCache({ ...valid, defaultTtlSeconds: 1.5 }, logger, store)).toThrow(/TTL/);
    expect(() => new RedisCache({ ...valid, commandTimeoutMs: -1 }, logger, store)).toThrow(/commandTimeoutMs/);
  });
});
