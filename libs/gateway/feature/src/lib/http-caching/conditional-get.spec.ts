import Fastify, { type FastifyInstance } from 'fastify';
import { API_CACHE_CONTROL, ifNoneMatchMatches, registerConditionalGet, strongEntityTag } from './conditional-get';

describe('ifNoneMatchMatches', () => {
  const tag = '"abc"';

  it.each([
    ['the same strong tag', '"abc"', true],
    ['the same tag marked weak (If-None-Match compares weakly)', 'W/"abc"', true],
    ['a list holding the tag', '"old", W/"other", "abc"', true],
    ['a list without it', '"old", "other"', false],
    ['a tag that only contains it', '"xabcx"', false],
    ['a tag with a comma inside its quotes', '"a,b", "abc"', true],
    ['any current representation', '*', true],
    ['an unquoted tag (malformed)', 'abc', false],
    ['nothing', undefined, false],
  ])('%s', (_, header, expected) => {
    expect(ifNoneMatchMatches(header, tag)).toBe(expected);
  });
});

describe('registerConditionalGet', () => {
  let app: FastifyInstance;
  let body = { id: 1, name: 'Ada' };

  beforeEach(async () => {
    app = Fastify();
    registerConditionalGet(app);
    app.get('/thing', async () => body);
    app.post('/thing', async () => body);
    app.get('/missing', async (_, reply) => reply.code(404).send({ code: 'NOT_FOUND' }));
    app.get('/asset', async (_, reply) => reply.header('cache-control', 'public, max-age=3600').send('asset'));
    await app.ready();
  });

  afterEach(() => app.close());

  it('tags a 200 GET with the hash of its body and the private, no-cache policy', async () => {
    const response = await app.inject({ method: 'GET', url: '/thing' });

    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe(strongEntityTag(response.body));
    expect(response.headers['cache-control']).toBe(API_CACHE_CONTROL);
    expect(response.headers.vary).toBe('Authorization');
  });

  it('answers 304 with no body when If-None-Match names the current body', async () => {
    const first = await app.inject({ method: 'GET', url: '/thing' });

    const repeat = await app.inject({
      method: 'GET',
      url: '/thing',
      headers: { 'if-none-match': `"stale", ${String(first.headers.etag)}` },
    });

    expect(repeat.statusCode).toBe(304);
    expect(repeat.body).toBe('');
    expect(repeat.headers.etag).toBe(first.headers.etag);
    expect(repeat.headers['cache-control']).toBe(API_CACHE_CONTROL);
  });

  it('answers 200 with the new body and a new tag once the body changed', async () => {
    const first = await app.inject({ method: 'GET', url: '/thing' });
    body = { id: 1, name: 'Ada Lovelace' };

    const after = await app.inject({ method: 'GET', url: '/thing', headers: { 'if-none-match': String(first.headers.etag) } });

    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual(body);
    expect(after.headers.etag).not.toBe(first.headers.etag);
  });

  it('leaves errors, writes and routes with their own policy alone', async () => {
    const missing = await app.inject({ method: 'GET', url: '/missing' });
    const write = await app.inject({ method: 'POST', url: '/thing' });
    const asset = await app.inject({ method: 'GET', url: '/asset' });

    expect(missing.headers.etag).toBeUndefined();
    expect(write.headers.etag).toBeUndefined();
    expect(asset.headers.etag).toBeUndefined();
    expect(asset.headers['cache-control']).toBe('public, max-age=3600');
  });
});
