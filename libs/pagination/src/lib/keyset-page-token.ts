import { ValidationError } from '@workshop/errors';

/** Where a page ended: the sort key of its last row. Lists sort by (createdAt, id). */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * Page tokens are opaque to clients (base64url of the last row's sort key), so the server may
 * change how it pages without breaking anyone. Keyset pagination reads an index range instead of
 * counting skipped rows as OFFSET does, so page 1000 costs what page 1 costs, and rows inserted
 * meanwhile neither repeat nor vanish between pages.
 */
export function encodePageToken(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

/** Decodes a token from a client; an empty token means the first page. */
export function decodePageToken(token: string, field = 'pageToken'): KeysetPosition | undefined {
  if (token === '') return undefined;
  const invalid = () => new ValidationError([{ field, message: 'is not a token this service issued' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
    throw invalid();
  }
  const createdAt = new Date(parsed[0]);
  if (Number.isNaN(createdAt.getTime()) || !UUID.test(parsed[1])) throw invalid();
  return { createdAt, id: parsed[1] };
}

/** Applies the default to an unset (zero) page size and rejects sizes outside 1..MAX_PAGE_SIZE. */
export function resolvePageSize(requested: number, field = 'pageSize'): number {
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PAGE_SIZE) {
    throw new ValidationError([{ field, message: `must be between 1 and ${MAX_PAGE_SIZE}` }]);
  }
  return requested;
}

/**
 * Turns `limit + 1` fetched rows into a page and the token for the next one: fetching one row
 * more than asked tells whether another page exists without a COUNT query.
 */
export function toPage<Row>(
  rows: readonly Row[],
  pageSize: number,
  positionOf: (row: Row) => KeysetPosition,
): { items: Row[]; nextPageToken: string } {
  const items = rows.slice(0, pageSize);
  const last = items[items.length - 1];
  const nextPageToken = rows.length > pageSize && last !== undefined ? encodePageToken(positionOf(last)) : '';
  return { items, nextPageToken };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
