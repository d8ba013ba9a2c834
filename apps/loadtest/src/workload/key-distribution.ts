/**
 * Which of N keys (seeded users, orders) a request picks.
 *
 * - `uniform`: every key equally often; a cache of k keys hits about k/N of reads.
 * - `zipf`: the key of rank r is picked in proportion to 1/r^exponent, as popularity is on real
 *   sites (exponent about 1: the top 1% of keys take roughly half the reads), which is what makes
 *   a small cache worth having.
 */
export type KeyDistribution = { kind: 'uniform' } | { kind: 'zipf'; exponent: number };

/** Returns indexes in [0, keyCount). */
export type KeyPicker = () => number;

/**
 * A small seeded generator (mulberry32): two runs of a scenario pick the same keys in the same
 * order, so configurations are compared on the same requests.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export function keyPicker(distribution: KeyDistribution, keyCount: number, random: () => number): KeyPicker {
  if (keyCount < 1) throw new Error('A key distribution needs at least one key.');
  switch (distribution.kind) {
    case 'uniform':
      return () => Math.floor(random() * keyCount);
    case 'zipf':
      return zipfPicker(distribution.exponent, keyCount, random);
  }
}

/** Inverse-CDF sampling over precomputed cumulative weights: O(log N) per pick. */
function zipfPicker(exponent: number, keyCount: number, random: () => number): KeyPicker {
  const cumulative = new Float64Array(keyCount);
  let total = 0;
  for (let rank = 1; rank <= keyCount; rank += 1) {
    total += 1 / rank ** exponent;
    cumulative[rank - 1] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = keyCount - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] ?? total) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** Picks an item by weight, e.g. an operation from a mix `{ get-user: 80, place-order: 20 }`. */
export function weightedPicker<Item>(items: readonly { item: Item; weight: number }[], random: () => number): () => Item {
  const total = items.reduce((sum, { weight }) => sum + weight, 0);
  const last = items.at(-1);
  if (last === undefined || total <= 0) throw new Error('A weighted mix needs at least one item with a positive weight.');
  return () => {
    let remaining = random() * total;
    for (const { item, weight } of items) {
      remaining -= weight;
      if (remaining < 0) return item;
    }
    // Only reached through floating-point rounding at the very top of the range.
    return last.item;
  };
}
