import { type CacheEntry } from './cache-entry';

export interface MemoryTierOptions {
  /** At most this many entries; the least recently used go first. */
  maxEntries: number;
  /** At most about this many bytes of values, measured by their serialized size. */
  maxBytes: number;
}

interface MemoryRecord {
  entry: CacheEntry<unknown>;
  bytes: number;
  /** The generation keys this entry depends on: its key's, its namespaces', its tags'. */
  generationKeys: readonly string[];
}

/** How many invalidation records the tier remembers for fill safety before it forgets the oldest. */
const MAX_INVALIDATION_RECORDS = 10_000;

/**
 * The in-process tier: a least-recently-used map bounded by entries and by bytes, in front of the
 * remote store. A hit costs a map lookup, no I/O and no deserialization: values are kept as the
 * objects the loader returned, so callers must treat what the cache returns as read-only.
 *
 * Invalidation is by generation key, like the remote tier: deleting a key, a tag or a namespace
 * names the generation keys it bumps, and every entry depending on one of them is dropped. The
 * tier also remembers when each generation key was last invalidated (a sequence number), so a
 * fill that started before an invalidation is refused (`isFillAllowed`). That memory is bounded:
 * beyond `MAX_INVALIDATION_RECORDS` the oldest records are forgotten and replaced by a floor, and
 * a fill that started before the floor is refused too (conservative: it only costs a reload).
 */
export class MemoryTier {
  /** Map iteration order is insertion order: re-inserting on access makes the first key the least recently used. */
  private readonly records = new Map<string, MemoryRecord>();
  private readonly entriesByGeneration = new Map<string, Set<string>>();
  private readonly invalidatedAt = new Map<string, number>();
  private forgottenInvalidationsFloor = 0;
  private sequence = 0;
  private totalBytes = 0;

  constructor(private readonly options: MemoryTierOptions) {}

  get size(): number {
    return this.records.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get(key: string): CacheEntry<unknown> | undefined {
    const record = this.records.get(key);
    if (record === undefined) return undefined;
    this.records.delete(key);
    this.records.set(key, record);
    return record.entry;
  }

  /** A ticket for a fill about to start: pass it to `isFillAllowed` when the value is ready. */
  beginFill(): number {
    this.sequence += 1;
    return this.sequence;
  }

  /** False when one of `generationKeys` was invalidated after the fill began. */
  isFillAllowed(fillTicket: number, generationKeys: readonly string[]): boolean {
    if (fillTicket <= this.forgottenInvalidationsFloor) return false;
    return generationKeys.every((generationKey) => (this.invalidatedAt.get(generationKey) ?? 0) < fillTicket);
  }

  set(key: string, entry: CacheEntry<unknown>, bytes: number, generationKeys: readonly string[]): void {
    this.remove(key);
    if (bytes > this.options.maxBytes) return;
    this.records.set(key, { entry, bytes, generationKeys });
    this.totalBytes += bytes;
    for (const generationKey of generationKeys) {
      let keys = this.entriesByGeneration.get(generationKey);
      if (keys === undefined) {
        keys = new Set();
        this.entriesByGeneration.set(generationKey, keys);
      }
      keys.add(key);
    }
    this.evictBeyondBounds();
  }

  /** Drops every entry that depends on one of `generationKeys`, and refuses fills that began before now. */
  invalidate(generationKeys: readonly string[]): void {
    this.sequence += 1;
    for (const generationKey of generationKeys) {
      this.invalidatedAt.delete(generationKey);
      this.invalidatedAt.set(generationKey, this.sequence);
      for (const key of this.entriesByGeneration.get(generationKey) ?? []) this.remove(key);
    }
    while (this.invalidatedAt.size > MAX_INVALIDATION_RECORDS) {
      const [oldestKey, oldestSequence] = this.invalidatedAt.entries().next().value as [string, number];
      this.invalidatedAt.delete(oldestKey);
      this.forgottenInvalidationsFloor = Math.max(this.forgottenInvalidationsFloor, oldestSequence);
    }
  }

  /** Drops everything, and refuses every fill that began before now. */
  clear(): void {
    this.sequence += 1;
    this.forgottenInvalidationsFloor = this.sequence;
    this.invalidatedAt.clear();
    this.records.clear();
    this.entriesByGeneration.clear();
    this.totalBytes = 0;
  }

  private remove(key: string): void {
    const record = this.records.get(key);
    if (record === undefined) return;
    this.records.delete(key);
    this.totalBytes -= record.bytes;
    for (const generationKey of record.generationKeys) {
      const keys = this.entriesByGeneration.get(generationKey);
      keys?.delete(key);
      if (keys?.size === 0) this.entriesByGeneration.delete(generationKey);
    }
  }

  private evictBeyondBounds(): void {
    while (this.records.size > this.options.maxEntries || this.totalBytes > this.options.maxBytes) {
      const leastRecentlyUsed = this.records.keys().next().value;
      if (leastRecentlyUsed === undefined) return;
      this.remove(leastRecentlyUsed);
    }
  }
}
