import { randomUUID } from 'node:crypto';
import { type RemoteCacheStore } from '../lib/stores/remote-cache-store';

export interface ContractSubject {
  store: RemoteCacheStore;
  /** Lets real time pass for expiry (Memcached counts whole seconds); a fake clock just moves. */
  advance(ms: number): Promise<void>;
}

/**
 * What every remote store must do, run against each one (Redis, Memcached, the unit-test fake):
 * the cache's correctness rests on exactly these behaviours. Keys are unique per run, so the
 * suite can run twice, and beside other tests, on the same server.
 */
export function describeRemoteCacheStoreContract(name: string, createSubject: () => Promise<ContractSubject>): void {
  describe(`RemoteCacheStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let prefix: string;
    const key = (suffix: string) => `${prefix}:${suffix}`;

    beforeAll(async () => {
      subject = await createSubject();
    });

    beforeEach(() => {
      prefix = `contract-${randomUUID()}`;
    });

    afterAll(async () => {
      await subject.store.close();
    });

    it('reads several keys in order, null for the absent ones', async () => {
      const { store } = subject;
      expect(await store.setIfGenerationsUnchanged(key('a'), 'value-a', 60_000, [])).toBe(true);
      expect(await store.setIfGenerationsUnchanged(key('c'), 'välue-c ✓', 60_000, [])).toBe(true);

      expect(await store.getMany([key('a'), key('b'), key('c')])).toEqual(['value-a', null, 'välue-c ✓']);
    });

    it('writes when the observed generations are current, absent ones included', async () => {
      const { store } = subject;
      await store.invalidate([], [key('gen-1')], 60_000);
      const generations = await store.getMany([key('gen-1'), key('gen-2')]);
      expect(generations).toEqual(['1', null]);

      const written = await store.setIfGenerationsUnchanged(key('entry'), 'fresh', 60_000, [
        { key: key('gen-1'), observed: '1' },
        { key: key('gen-2'), observed: null },
      ]);

      expect(written).toBe(true);
      expect(await store.getMany([key('entry')])).toEqual(['fresh']);
    });

    it('refuses a write whose generation moved since it was observed, and leaves nothing readable', async () => {
      const { store } = subject;
      const observed = (await store.getMany([key('gen')]))[0] ?? null;
      await store.invalidate([key('entry')], [key('gen')], 60_000);

      const written = await store.setIfGenerationsUnchanged(key('entry'), 'old', 60_000, [{ key: key('gen'), observed }]);

      expect(written).toBe(false);
      expect(await store.getMany([key('entry')])).toEqual([null]);
    });

    it('invalidate bumps every generation and deletes the entries', async () => {
      const { store } = subject;
      await store.setIfGenerationsUnchanged(key('x'), '1', 60_000, []);
      await store.setIfGenerationsUnchanged(key('y'), '2', 60_000, []);

      await store.invalidate([key('x'), key('y')], [key('gen-x'), key('gen-y')], 60_000);
      await store.invalidate([], [key('gen-x')], 60_000);

      expect(await store.getMany([key('x'), key('y'), key('gen-x'), key('gen-y')])).toEqual([null, null, '2', '1']);
    });

    it('expires entries after their TTL', async () => {
      const { store } = subject;
      await store.setIfGenerationsUnchanged(key('short'), 'soon gone', 1_000, []);
      expect(await store.getMany([key('short')])).toEqual(['soon gone']);

      await subject.advance(2_100);

      expect(await store.getMany([key('short')])).toEqual([null]);
    });

    it('grants a lease to one holder at a time, and lets only the holder release it', async () => {
      const { store } = subject;
      expect(await store.acquireLease(key('lease'), 'token-a', 10_000)).toBe(true);
      expect(await store.acquireLease(key('lease'), 'token-b', 10_000)).toBe(false);

      await store.releaseLease(key('lease'), 'token-b');
      expect(await store.acquireLease(key('lease'), 'token-b', 10_000)).toBe(false);

      await store.releaseLease(key('lease'), 'token-a');
      expect(await store.acquireLease(key('lease'), 'token-b', 10_000)).toBe(true);
    });

    it('grants exactly one of many concurrent lease requests', async () => {
      const { store } = subject;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => store.acquireLease(key('contended'), `token-${index}`, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('lets a lease expire when its holder never releases it', async () => {
      const { store } = subject;
      expect(await store.acquireLease(key('abandoned'), 'token-a', 1_000)).toBe(true);
      await subject.advance(2_100);
      expect(await store.acquireLease(key('abandoned'), 'token-b', 1_000)).toBe(true);
    });

    it('answers ping', async () => {
      await expect(subject.store.ping()).resolves.toBeUndefined();
    });
  });
}
