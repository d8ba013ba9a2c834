import { describeRemoteCacheStoreContract } from '../../testing/remote-cache-store.contract';
import { eventually, redisUrl, testLogger } from '../../testing/integration-environment';
import { RedisCacheStore } from './redis-cache-store';

describeRemoteCacheStoreContract('Redis', async () => {
  const store = new RedisCacheStore({ redisUrl, commandTimeoutMs: 1_000 }, testLogger);
  await eventually(() => store.ping());
  return { store, advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
});
