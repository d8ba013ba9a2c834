import { keyPicker, seededRandom, weightedPicker } from './key-distribution';

const counts = (pick: () => number, keyCount: number, samples: number) => {
  const seen = new Array<number>(keyCount).fill(0);
  for (let index = 0; index < samples; index += 1) seen[pick()]! += 1;
  return seen;
};

describe('key distributions', () => {
  it('uniform: every key about equally often', () => {
    const seen = counts(keyPicker({ kind: 'uniform' }, 10, seededRandom(1)), 10, 100_000);
    for (const count of seen) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('zipf: rank r about 1/r of rank 1, so the head takes most reads', () => {
    const seen = counts(keyPicker({ kind: 'zipf', exponent: 1 }, 1000, seededRandom(2)), 1000, 200_000);
    // With exponent 1 over 1000 keys, rank 1 has 1/H(1000) = 13.4% of picks, rank 2 half that.
    expect(seen[0]! / 200_000).toBeCloseTo(0.134, 1);
    expect(seen[1]! / seen[0]!).toBeCloseTo(0.5, 1);
    const topTen = seen.slice(0, 10).reduce((sum, count) => sum + count, 0);
    expect(topTen / 200_000).toBeGreaterThan(0.35);
  });

  it('stays in range and is reproducible from its seed', () => {
    const first = keyPicker({ kind: 'zipf', exponent: 1.2 }, 7, seededRandom(3));
    const second = keyPicker({ kind: 'zipf', exponent: 1.2 }, 7, seededRandom(3));
    const picks = Array.from({ length: 1000 }, () => first());
    expect(picks.every((key) => key >= 0 && key < 7)).toBe(true);
    expect(Array.from({ length: 1000 }, () => second())).toEqual(picks);
  });

  it('weighted mix: picks in proportion to the weights', () => {
    const pick = weightedPicker(
      [
        { item: 'read', weight: 9 },
        { item: 'write', weight: 1 },
      ],
      seededRandom(4),
    );
    const writes = Array.from({ length: 50_000 }, pick).filter((item) => item === 'write').length;
    expect(writes / 50_000).toBeCloseTo(0.1, 2);
  });

  it('refuses an empty mix or key set', () => {
    expect(() => weightedPicker([], seededRandom(5))).toThrow(/at least one item/);
    expect(() => keyPicker({ kind: 'uniform' }, 0, seededRandom(5))).toThrow(/at least one key/);
  });
});
