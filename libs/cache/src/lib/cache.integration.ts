import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { CacheInstances } from '../testing/cache-instances';
import { eventually, redisUrl } from '../testing/integration-environment';

/** Cache-aside across instances on the project's real Redis: stampedes, the fill race, the bus. */
describe('Cache across instances (real Redis)', () => {
  let instances: CacheInstances;
  // A plain client to look at what the cache stored, as an operator with redis-cli would.
  let inspector: Redis;

  beforeAll(() => {
    inspector = new Redis(redisUrl);
  });

  beforeEach(() => {
    instances = new CacheInstances();
  });

  afterEach(async () => {
    await instances.closeAll();
    const keys = await inspector.keys(`${instances.namespace}*`);
    if (keys.length > 0) await inspector.del(...keys);
  });

  afterAll(async () => {
    await inspector.quit();
  });

  it('calls the loader once for 500 concurrent requests of a cold key across 4 instances', async () => {
    const caches = await Promise.all(Array.from({ length: 4 }, () => instances.create()));
    let loaderCalls = 0;
    const loader = async () => {
      loaderCalls += 1;
      await sleep(200); // a slow query: everyone else arrives while it runs
      return { report: 'expensive' };
    };

    const values = await Promise.all(
      Array.from({ length: 500 }, (_, request) => caches[request % caches.length]!.cache.getOrSet('report:cold', loader)),
    );

    expect(loaderCalls).toBe(1);
    expect(values.every((value) => value.report === 'expensive')).toBe(true);
  }, 30_000);

  it('does not let a load that started before an invalidation write the old value back', async () => {
    const reader = await instances.create();
    const writer = await instances.create();
    let database = 'old';
    let finishSlowQuery: () => void = () => undefined;
    const slowQueryDone = new Promise<void>((resolve) => (finishSlowQuery = resolve));

    // 1. A reader misses and starts a slow load that reads the old row...
    const reading = reader.cache.getOrSet('profile:1', async () => {
      const row = database;
      await slowQueryDone;
      return row;
    });
    await sleep(50);
    // 2. ...a writer changes the row and invalidates, while that load is still running...
    database = 'new';
    await writer.cache.delete('profile:1');
    await sleep(50); // the bus message reaches the reader
    // 3. ...then the slow load finishes with the old row.
    finishSlowQuery();
    expect(await reading).toBe('old');

    // Its write was refused in Redis (atomically, by the generation check) and in memory.
    expect(await inspector.exists(`${instances.namespace}:profile:1`)).toBe(0);
    expect(await reader.cache.getOrSet('profile:1', () => Promise.resolve(database))).toBe('new');
    expect(await writer.cache.getOrSet('profile:1', () => Promise.reject(new Error('should hit')))).toBe('new');
  });

  it('a write through instance A is not served stale by instance B once the bus delivers it', async () => {
    const a = await instances.create();
    const b = await instances.create();
    let database = 'v1';
    const load = () => Promise.resolve(database);
    await a.cache.getOrSet('user:1', load);
    expect(await b.cache.getOrSet('user:1', load)).toBe('v1');
    expect(b.memory?.size).toBe(1);

    database = 'v2';
    await a.cache.delete('user:1');

    await eventually(async () => expect(b.memory?.size).toBe(0), { timeoutMs: 5_000 });
    expect(await b.cache.getOrSet('user:1', load)).toBe('v2');
  });

  it('invalidates by tag and by namespace across instances', async () => {
    const a = await instances.create();
    const b = await instances.create();
    await b.cache.getOrSet('order:1', () => Promise.resolve('o1'), { tags: ['user:7'] });
    await b.cache.namespace('reports').getOrSet('daily', () => Promise.resolve('r1'));

    await a.cache.deleteByTag('user:7');
    await a.cache.namespace('reports').clear();

    await eventually(async () => expect(b.memory?.size).toBe(0), { timeoutMs: 5_000 });
    expect(await b.cache.getOrSet('order:1', () => Promise.resolve('o1-new'), { tags: ['user:7'] })).toBe('o1-new');
    expect(await b.cache.namespace('reports').getOrSet('daily', () => Promise.resolve('r1-new'))).toBe('r1-new');
  });

  it('drops the whole memory tier when the bus reconnects, since messages may have been missed', async () => {
    const b = await instances.create();
    await b.cache.getOrSet('a', () => Promise.resolve(1));
    await b.cache.getOrSet('b', () => Promise.resolve(2));
    expect(b.memory?.size).toBe(2);

    // Cut every subscriber connection, as a network blip would; ioredis reconnects and resubscribes.
    await inspector.client('KILL', 'TYPE', 'pubsub');

    await eventually(async () => expect(b.memory?.size).toBe(0), { timeoutMs: 10_000 });
  });
});
