import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hash } from 'node:crypto';

/**
 * The caching policy of every API GET answer.
 *
 * - `private`: answers are per user (each caller sees only their own records once tokens are
 *   required), so a browser may keep them but a shared cache (CDN, proxy) must not.
 * - `no-cache`: the cache must ask before reusing its copy. A user's order statistics change as
 *   order events arrive and an order's status changes as it is processed, so any `max-age` would
 *   show stale data for that long. Asking costs a round trip but, with the ETag, no body: an
 *   unchanged answer is a bodiless 304.
 */
export const API_CACHE_CONTROL = 'private, no-cache';

/**
 * A strong entity tag: the SHA-256 of the exact bytes sent, so equal tags mean identical bodies.
 * The one-shot `hash` (Node 20.12+) skips building a Hash object per answer.
 */
export function strongEntityTag(body: string | Buffer): string {
  return `"${hash('sha256', body, 'base64url')}"`;
}

/**
 * Whether an If-None-Match header matches `entityTag` (RFC 9110, section 13.1.2): `*` matches any
 * current representation; otherwise the header is a list of tags, compared weakly (`W/"x"`
 * matches `"x"`), which is the comparison If-None-Match calls for.
 */
export function ifNoneMatchMatches(header: string | undefined, entityTag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaqueTag = withoutWeakPrefix(entityTag);
  // An opaque tag is a quoted string that may itself hold commas, so the list is matched tag by
  // tag rather than split on commas.
  for (const [listed] of header.matchAll(/(?:W\/)?"[^"]*"/g)) {
    if (withoutWeakPrefix(listed) === opaqueTag) return true;
  }
  return false;
}

function withoutWeakPrefix(entityTag: string): string {
  return entityTag.startsWith('W/') ? entityTag.slice(2) : entityTag;
}

/**
 * Conditional GET for every 200 answer to GET or HEAD: an ETag computed from the body bytes and
 * the `private, no-cache` policy, and a bodiless 304 Not Modified when the client's If-None-Match
 * already names that body. It runs in Fastify's onSend hook, after serialization, so it hashes
 * exactly what would be sent and needs nothing from the handlers.
 *
 * The trade-off of a body hash: the gateway still calls the services and builds the body to learn
 * that it has not changed; what a 304 saves is the bytes on the wire and the client's parsing.
 * Skipping the work as well would need a version from the service (a row version) to build the
 * tag from before reading anything else.
 *
 * Answers that set their own Cache-Control (static assets of the API docs) keep it, and streamed
 * bodies are not hashed.
 */
export function registerConditionalGet(fastify: FastifyInstance): void {
  // A callback hook, not an async one: Fastify then needs no promise per answer.
  fastify.addHook(
    'onSend',
    (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
      done(null, conditionalAnswer(request, reply, payload));
    },
  );
}

/** The payload to send: `payload` with its ETag and caching headers, or '' for a 304. */
function conditionalAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  const cacheable =
    (request.method === 'GET' || request.method === 'HEAD') &&
    reply.statusCode === 200 &&
    !reply.hasHeader('cache-control') &&
    (typeof payload === 'string' || Buffer.isBuffer(payload));
  if (!cacheable) return payload;
  const entityTag = strongEntityTag(payload);
  void reply.header('etag', entityTag).header('cache-control', API_CACHE_CONTROL).header('vary', varyOnAuthorization(reply));
  if (!ifNoneMatchMatches(request.headers['if-none-match'], entityTag)) return payload;
  void reply.code(304).removeHeader('content-type').removeHeader('content-length');
  return '';
}

/** The answer depends on who asks (the bearer token), so caches must key it by Authorization too. */
function varyOnAuthorization(reply: FastifyReply): string {
  const existing = reply.getHeader('vary');
  const names = typeof existing === 'string' && existing !== '' ? existing.split(',').map((name) => name.trim()) : [];
  return names.some((name) => name.toLowerCase() === 'authorization') ? names.join(', ') : [...names, 'Authorization'].join(', ');
}
