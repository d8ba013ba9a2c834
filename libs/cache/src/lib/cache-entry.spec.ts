import { decodeEntry, encodeEntry } from './cache-entry';
import { jsonSerializer } from './serializer';

describe('cache entry format', () => {
  it('round-trips a value, its deadlines and its generations (absent ones included)', () => {
    const entry = { value: { id: 7, note: 'line\nbreak|pipe' }, freshUntil: 1_000, staleUntil: 2_000, generations: ['3', null, '1'] };
    const text = encodeEntry(entry, jsonSerializer);

    expect(text.split('\n')[0]).toBe('1|1000|2000|v|3,,1');
    expect(decodeEntry(text, jsonSerializer)).toEqual(entry);
  });

  it('round-trips a negative (not found) entry', () => {
    const entry = { value: null, freshUntil: 1_000, staleUntil: 1_000, generations: [null, null] };
    expect(decodeEntry(encodeEntry(entry, jsonSerializer), jsonSerializer)).toEqual(entry);
  });

  it('rejects text of another format, which the cache then treats as a miss', () => {
    expect(() => decodeEntry('{"id":7}', jsonSerializer)).toThrow(/format version 1/);
    expect(() => decodeEntry('2|1|2|v|\n{}', jsonSerializer)).toThrow(/format version 1/);
  });
});
