import { describeRemoteCacheStoreContract } from '../../testing/remote-cache-store.contract';
import { eventually, memcachedServers, testLogger } from '../../testing/integration-environment';
import { MemcachedCacheStore } from './memcached-cache-store';

describeRemoteCacheStoreContract('Memcached', async () => {
  const store = new MemcachedCacheStore({ servers: memcachedServers, commandTimeoutMs: 1_000 }, testLogger);
  await eventually(() => store.ping());
  return { store, advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
});
