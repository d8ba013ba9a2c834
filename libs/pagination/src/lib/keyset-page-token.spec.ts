import { ValidationError } from '@workshop/errors';
import { decodePageToken, encodePageToken, resolvePageSize, toPage } from './keyset-page-token';

const position = { createdAt: new Date('2026-11-24T10:00:00.123Z'), id: '3f1c9b9e-8f1d-4c59-a2f4-0d6f3c1b2a10' };

describe('keyset page tokens', () => {
  it('round-trips a position', () => {
    expect(decodePageToken(encodePageToken(position))).toEqual(position);
  });

  it('treats an empty token as the first page', () => {
    expect(decodePageToken('')).toBeUndefined();
  });

  it.each([
    'not-base64-json',
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('["yesterday","x"]').toString('base64url'),
    "' OR 1=1 --",
  ])('rejects a token it did not issue: %s', (token) => {
    expect(() => decodePageToken(token)).toThrow(ValidationError);
  });

  it('applies the default size and rejects sizes out of range', () => {
    expect(resolvePageSize(0)).toBe(20);
    expect(resolvePageSize(100)).toBe(100);
    expect(() => resolvePageSize(101)).toThrow(ValidationError);
    expect(() => resolvePageSize(-1)).toThrow(ValidationError);
  });

  it('issues a next token only when a further row exists', () => {
    const rows = [1, 2, 3].map((n) => ({ n, position: { ...position, id: position.id.replace(/0$/, String(n)) } }));

    const fullPage = toPage(rows, 2, (row) => row.position);
    const lastPage = toPage(rows, 3, (row) => row.position);

    expect(fullPage.items).toHaveLength(2);
    expect(decodePageToken(fullPage.nextPageToken)).toEqual(rows[1]!.position);
    expect(lastPage.nextPageToken).toBe('');
  });
});
