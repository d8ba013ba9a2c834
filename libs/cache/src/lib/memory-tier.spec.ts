import { MemoryTier } from './memory-tier';

const entry = (value: string) => ({ value, freshUntil: Number.MAX_SAFE_INTEGER, staleUntil: Number.MAX_SAFE_INTEGER });

describe('MemoryTier', () => {
  it('evicts the least recently used entry beyond maxEntries', () => {
    const tier = new MemoryTier({ maxEntries: 2, maxBytes: 1_000 });
    tier.set('a', entry('a'), 1, []);
    tier.set('b', entry('b'), 1, []);
    tier.get('a');
    tier.set('c', entry('c'), 1, []);

    expect(tier.get('b')).toBeUndefined();
    expect(tier.get('a')?.value).toBe('a');
    expect(tier.size).toBe(2);
  });

  it('evicts beyond maxBytes, and never stores an entry larger than the whole tier', () => {
    const tier = new MemoryTier({ maxEntries: 100, maxBytes: 100 });
    tier.set('a', entry('a'), 60, []);
    tier.set('b', entry('b'), 60, []);
    tier.set('huge', entry('huge'), 101, []);

    expect(tier.get('a')).toBeUndefined();
    expect(tier.get('huge')).toBeUndefined();
    expect(tier.bytes).toBe(60);
  });

  it('drops every entry depending on an invalidated generation key', () => {
    const tier = new MemoryTier({ maxEntries: 100, maxBytes: 1_000 });
    tier.set('order:1', entry('1'), 1, ['#key:order:1', '#tag:user:7']);
    tier.set('order:2', entry('2'), 1, ['#key:order:2', '#tag:user:7']);
    tier.set('order:3', entry('3'), 1, ['#key:order:3', '#tag:user:8']);

    tier.invalidate(['#tag:user:7']);

    expect([tier.get('order:1'), tier.get('order:2')]).toEqual([undefined, undefined]);
    expect(tier.get('order:3')?.value).toBe('3');
  });

  it('refuses a fill that began before an invalidation of one of its generation keys', () => {
    const tier = new MemoryTier({ maxEntries: 100, maxBytes: 1_000 });
    const before = tier.beginFill();
    tier.invalidate(['#key:k']);
    const after = tier.beginFill();

    expect(tier.isFillAllowed(before, ['#key:k'])).toBe(false);
    expect(tier.isFillAllowed(before, ['#key:other'])).toBe(true);
    expect(tier.isFillAllowed(after, ['#key:k'])).toBe(true);
  });

  it('refuses every fill that began before a clear', () => {
    const tier = new MemoryTier({ maxEntries: 100, maxBytes: 1_000 });
    tier.set('a', entry('a'), 1, []);
    const before = tier.beginFill();
    tier.clear();

    expect(tier.size).toBe(0);
    expect(tier.isFillAllowed(before, ['#key:unrelated'])).toBe(false);
    expect(tier.isFillAllowed(tier.beginFill(), ['#key:unrelated'])).toBe(true);
  });
});
