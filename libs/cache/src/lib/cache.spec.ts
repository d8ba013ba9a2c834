import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@workshop/observability';
import { InMemoryRemoteStore } from '../testing/in-memory-remote-store';
import { Cache, CacheLoadTimeoutError, type CacheTiers } from './cache';
import { type CachePolicy } from './cache-options';
import { MemoryTier } from './memory-tier';
import { ResilientCacheStore } from './stores/resilient-cache-store';

const logger = createLogger('cache-spec', 'silent');

/** A cache on a fake clock, with both tiers (the remote one an in-memory fake) unless told otherwise. */
function setup(policy: Partial<CachePolicy> = {}, options: { memory?: boolean; remote?: boolean; random?: () => number } = {}) {
  const clock = { now: 1_000_000 };
  const remote = new InMemoryRemoteStore(() => clock.now);
  const tiers: CacheTiers = {
    memory: options.memory === false ? undefined : new MemoryTier({ maxEntries: 100, maxBytes: 1_000_000 }),
    remote: options.remote === false ? undefined : remote,
  };
  const cache = new Cache(
    {
      namespace: 'spec',
      policy: { ttlMs: 10_000, jitterRatio: 0, ...policy },
      logger,
      now: () => clock.now,
      random: options.random ?? (() => 0),
    },
    tiers,
  );
  return { cache, remote, clock, tiers };
}

/** A loader that counts its calls and returns `value-<n>` for the n-th call, after `delayMs`. */
function countingLoader(delayMs = 0) {
  const loader: jest.Mock<Promise<string>, []> = jest.fn(async () => {
    const call: number = loader.mock.calls.length;
    if (delayMs > 0) await sleep(delayMs);
    return `value-${call}`;
  });
  return loader;
}

describe('Cache.getOrSet', () => {
  it('loads on a miss, then hits memory; the remote tier holds the entry under the namespaced key', async () => {
    const { cache, remote } = setup();
    const loader = countingLoader();

    expect(await cache.getOrSet('user:1', loader)).toBe('value-1');
    expect(await cache.getOrSet('user:1', loader)).toBe('value-1');

    expect(loader).toHaveBeenCalledTimes(1);
    expect(remote.values.get('spec:user:1')?.value).toMatch(/^1\|.*\n"value-1"$/);
  });

  it('hits the remote tier when memory is cold (another instance filled it)', async () => {
    const { cache, remote, clock } = setup();
    await cache.getOrSet('k', countingLoader());
    const other = new Cache(
      { namespace: 'spec', policy: { ttlMs: 10_000 }, logger, now: () => clock.now },
      { memory: new MemoryTier({ maxEntries: 10, maxBytes: 10_000 }), remote },
    );
    const loader = countingLoader();

    expect(await other.getOrSet('k', loader)).toBe('value-1');
    expect(loader).not.toHaveBeenCalled();
  });

  it('reloads once the TTL has passed', async () => {
    const { cache, clock } = setup();
    const loader = countingLoader();
    await cache.getOrSet('k', loader);

    clock.now += 9_999;
    expect(await cache.getOrSet('k', loader)).toBe('value-1');
    clock.now += 1;
    expect(await cache.getOrSet('k', loader)).toBe('value-2');
  });

  it('shortens each TTL by up to jitterRatio, so entries filled together expire apart', async () => {
    const { cache, clock } = setup({ jitterRatio: 0.2 }, { random: () => 1 });
    const loader = countingLoader();
    await cache.getOrSet('k', loader);

    clock.now += 7_999;
    expect(await cache.getOrSet('k', loader)).toBe('value-1');
    clock.now += 1; // 80% of the TTL: the whole jitter was taken
    expect(await cache.getOrSet('k', loader)).toBe('value-2');
  });

  it('serves the stale value within the grace period while exactly one refresh runs', async () => {
    const { cache, clock } = setup({ graceMs: 60_000 });
    const loader = countingLoader(30);
    await cache.getOrSet('k', loader);
    clock.now += 10_000;

    const reads = await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet('k', loader)));

    expect(new Set(reads)).toEqual(new Set(['value-1']));
    await sleep(60);
    expect(loader).toHaveBeenCalledTimes(2);
    expect(await cache.getOrSet('k', loader)).toBe('value-2');
  });

  it('serves the stale value when the loader fails within the grace period, and the error after it', async () => {
    const { cache, clock } = setup({ graceMs: 5_000, softTimeoutMs: 1_000 });
    await cache.getOrSet('k', countingLoader());
    const failing = jest.fn(() => Promise.reject(new Error('database down')));

    clock.now += 12_000;
    expect(await cache.getOrSet('k', failing)).toBe('value-1');
    clock.now += 4_000; // past TTL + grace
    await expect(cache.getOrSet('k', failing)).rejects.toThrow('database down');
  });

  it('gives the loader softTimeoutMs before serving the stale value, then keeps the late result', async () => {
    const { cache, clock } = setup({ graceMs: 60_000, softTimeoutMs: 20 });
    await cache.getOrSet('k', countingLoader());
    clock.now += 10_000;
    const slow = countingLoader(150);

    const started = Date.now();
    expect(await cache.getOrSet('k', slow)).toBe('value-1');
    expect(Date.now() - started).toBeLessThan(140);
    await sleep(200);
    expect(await cache.getOrSet('k', slow)).toBe('value-1'); // the late load's value, from its first call
    expect(slow).toHaveBeenCalledTimes(1);
  });

  it('fails with CacheLoadTimeoutError after hardTimeoutMs when nothing is cached, and the load still fills the cache', async () => {
    const { cache } = setup({ hardTimeoutMs: 20 });
    const slow = countingLoader(100);

    await expect(cache.getOrSet('k', slow)).rejects.toBeInstanceOf(CacheLoadTimeoutError);
    await sleep(150);
    expect(await cache.getOrSet('k', slow)).toBe('value-1');
    expect(slow).toHaveBeenCalledTimes(1);
  });

  it('refreshes a hot key in the background before it expires (early refresh)', async () => {
    const { cache, clock } = setup({ earlyRefreshRatio: 0.5 });
    const loader = countingLoader();
    await cache.getOrSet('k', loader);

    clock.now += 4_000;
    await cache.getOrSet('k', loader);
    expect(loader).toHaveBeenCalledTimes(1);

    clock.now += 2_000; // 60% of the TTL
    expect(await cache.getOrSet('k', loader)).toBe('value-1');
    await sleep(10);
    expect(loader).toHaveBeenCalledTimes(2);
    clock.now += 5_000; // past the first TTL, within the refreshed one
    expect(await cache.getOrSet('k', loader)).toBe('value-2');
  });

  it('caches a null (not found) for negativeTtlMs only', async () => {
    const { cache, clock } = setup({ negativeTtlMs: 1_000 });
    const missing = jest.fn(() => Promise.resolve(null));

    expect(await cache.getOrSet('user:unknown', missing)).toBeNull();
    expect(await cache.getOrSet('user:unknown', missing)).toBeNull();
    expect(missing).toHaveBeenCalledTimes(1);

    clock.now += 1_000;
    await cache.getOrSet('user:unknown', missing);
    expect(missing).toHaveBeenCalledTimes(2);
  });

  it('caches neither a null when negative caching is off, nor an undefined, nor an error', async () => {
    const { cache, remote } = setup();
    await cache.getOrSet('null', () => Promise.resolve(null));
    await cache.getOrSet('undefined', () => Promise.resolve(undefined));
    await expect(cache.getOrSet('error', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    expect([...remote.values.keys()].filter((key) => !key.includes('#'))).toEqual([]);
  });

  it('calls the loader once for concurrent requests of one key (single flight)', async () => {
    const { cache } = setup();
    const loader = countingLoader(20);

    const values = await Promise.all(Array.from({ length: 50 }, () => cache.getOrSet('k', loader)));

    expect(loader).toHaveBeenCalledTimes(1);
    expect(new Set(values)).toEqual(new Set(['value-1']));
  });

  it.each([
    ['both tiers', {}],
    ['memory only', { remote: false }],
    ['remote only', { memory: false }],
  ])('never lets a load that started before a delete write its old value (%s)', async (_name, tiers) => {
    const { cache } = setup({}, tiers);
    let releaseLoad: (value: string) => void = () => undefined;
    const slowOldValue = new Promise<string>((resolve) => (releaseLoad = resolve));

    const reading = cache.getOrSet('k', () => slowOldValue);
    await sleep(5); // the load has read the generations and is waiting on the "database"
    await cache.delete('k'); // a writer changed the row and invalidates
    releaseLoad('old');
    expect(await reading).toBe('old'); // that reader gets what it loaded...

    // ...but it was not stored: the next reader loads the new value.
    expect(await cache.getOrSet('k', () => Promise.resolve('new'))).toBe('new');
  });

  it('set stores a value as current; delete removes it', async () => {
    const { cache } = setup();
    await cache.set('k', 'written');
    expect(await cache.getOrSet('k', countingLoader())).toBe('written');

    await cache.delete('k');
    expect(await cache.getOrSet('k', countingLoader())).toBe('value-1');
  });

  it('deleteByTag invalidates the tagged entries in both tiers, and only those', async () => {
    const { cache, tiers } = setup();
    await cache.getOrSet('order:1', () => Promise.resolve('o1'), { tags: ['user:7'] });
    await cache.getOrSet('order:2', () => Promise.resolve('o2'), { tags: ['user:8'] });

    await cache.deleteByTag('user:7');

    const remoteOnly = new Cache({ namespace: 'spec', logger }, { remote: tiers.remote });
    expect(await remoteOnly.getOrSet('order:1', () => Promise.resolve('o1-new'), { tags: ['user:7'] })).toBe('o1-new');
    expect(await cache.getOrSet('order:1', () => Promise.resolve('o1-new'), { tags: ['user:7'] })).toBe('o1-new');
    expect(await cache.getOrSet('order:2', () => Promise.resolve('o2-new'), { tags: ['user:8'] })).toBe('o2');
  });

  it('clear empties a namespace and its sub-namespaces, not its parent', async () => {
    const { cache } = setup();
    const orders = cache.namespace('orders');
    await cache.getOrSet('k', () => Promise.resolve('root'));
    await orders.getOrSet('k', () => Promise.resolve('orders'));

    await orders.clear();
    expect(await orders.getOrSet('k', () => Promise.resolve('orders-new'))).toBe('orders-new');
    expect(await cache.getOrSet('k', () => Promise.resolve('root-new'))).toBe('root');

    await cache.clear();
    expect(await orders.getOrSet('k', () => Promise.resolve('orders-newer'))).toBe('orders-newer');
    expect(await cache.getOrSet('k', () => Promise.resolve('root-new'))).toBe('root-new');
  });

  it('round-trips Dates with a custom serializer through the remote tier', async () => {
    const { tiers } = setup();
    const remoteOnly = new Cache({ namespace: 'spec', logger }, { remote: tiers.remote });
    const serializer = {
      serialize: (value: { at: Date }) => JSON.stringify({ at: value.at.toISOString() }),
      deserialize: (text: string) => ({ at: new Date((JSON.parse(text) as { at: string }).at) }),
    };
    const at = new Date('2030-01-02T03:04:05.678Z');
    await remoteOnly.getOrSet('d', () => Promise.resolve({ at }), { serializer });

    const cached = await remoteOnly.getOrSet('d', () => Promise.reject(new Error('should hit')), { serializer });
    expect(cached.at).toEqual(at);
  });

  it('rejects keys that no store could hold', async () => {
    const { cache } = setup();
    await expect(cache.getOrSet('has space', countingLoader())).rejects.toThrow(/invalid cache key/);
  });
});

describe('Cache when the remote store fails', () => {
  it('serves the loader when the store errors, and its circuit breaker then stops calling it', async () => {
    const { remote, clock } = setup();
    remote.failure = new Error('connection refused');
    const resilient = new ResilientCacheStore(remote, { commandTimeoutMs: 50, breakerFailureThreshold: 3, breakerOpenDurationMs: 60_000 });
    const cache = new Cache({ namespace: 'spec', logger, now: () => clock.now }, { remote: resilient });

    for (let request = 0; request < 10; request += 1) {
      expect(await cache.getOrSet(`k${request}`, () => Promise.resolve('from-loader'))).toBe('from-loader');
    }

    expect(resilient.breakerState).toBe('open');
    expect(remote.calls).toBe(3);
  });

  it('bounds a hanging store by the command timeout', async () => {
    const { remote } = setup();
    remote.hanging = true;
    const cache = new Cache(
      { namespace: 'spec', logger },
      { remote: new ResilientCacheStore(remote, { commandTimeoutMs: 30, breakerFailureThreshold: 100, breakerOpenDurationMs: 1_000 }) },
    );

    const started = Date.now();
    expect(await cache.getOrSet('k', () => Promise.resolve('from-loader'))).toBe('from-loader');
    // One read timeout; the write-back is skipped after a failed read.
    expect(Date.now() - started).toBeLessThan(30 + 200);
    await expect(cache.delete('k')).resolves.toBeUndefined();
  });
});
