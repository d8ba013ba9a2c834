import { type Serializer } from './serializer';

/**
 * A cached value with its two deadlines. Until `freshUntil` it is served as is; until
 * `staleUntil` (the grace period) it may be served while a refresh runs or when the loader fails;
 * after that it is gone. A `null` value is a negative entry: the loader found nothing.
 */
export interface CacheEntry<T> {
  value: T | null;
  freshUntil: number;
  staleUntil: number;
}

/** A remote entry, with the generations it was filled under. */
export interface StoredEntry<T> extends CacheEntry<T> {
  generations: (string | null)[];
}

const FORMAT_VERSION = '1';

/**
 * The text stored in the remote tier: one header line, then the serialized value.
 *
 *   1|<freshUntil ms>|<staleUntil ms>|<v or n>|<generation,generation,...>
 *   {"id":"..."}
 *
 * A header line instead of a JSON envelope keeps the value from being escaped inside a string
 * and parsed twice. The leading version lets a later format be told apart (an unknown version is
 * read as a miss and overwritten).
 */
export function encodeEntry<T>(entry: StoredEntry<T>, serializer: Serializer<T>): string {
  const isNegative = entry.value === null;
  const header = [
    FORMAT_VERSION,
    entry.freshUntil,
    entry.staleUntil,
    isNegative ? 'n' : 'v',
    entry.generations.map((generation) => generation ?? '').join(','),
  ].join('|');
  return `${header}\n${isNegative ? '' : serializer.serialize(entry.value as T)}`;
}

/** The entry in `text`; throws when it is not one this version wrote. */
export function decodeEntry<T>(text: string, serializer: Serializer<T>): StoredEntry<T> {
  const headerEnd = text.indexOf('\n');
  const [version, freshUntil, staleUntil, kind, generations] = text.slice(0, headerEnd).split('|');
  if (headerEnd < 0 || version !== FORMAT_VERSION || generations === undefined || (kind !== 'v' && kind !== 'n')) {
    throw new Error('not a cache entry of format version 1');
  }
  return {
    value: kind === 'n' ? null : serializer.deserialize(text.slice(headerEnd + 1)),
    freshUntil: Number(freshUntil),
    staleUntil: Number(staleUntil),
    generations: generations.split(',').map((generation) => (generation === '' ? null : generation)),
  };
}
