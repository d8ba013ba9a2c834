import { describeRemoteCacheStoreContract } from './remote-cache-store.contract';
import { InMemoryRemoteStore } from './in-memory-remote-store';

// The unit tests' fake keeps the contract the real stores keep, so what the unit tests prove holds for them.
let now = 1_000_000;
describeRemoteCacheStoreContract('in-memory fake', async () => ({
  store: new InMemoryRemoteStore(() => now),
  advance: async (ms) => {
    now += ms;
  },
}));
