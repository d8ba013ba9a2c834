import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSISTENCY_TOKEN_COOKIE, CONSISTENCY_TOKEN_HEADER, type ConsistencySession, runWithConsistencyToken } from './consistency-token';
import { CORRELATION_ID_HEADER, acceptCorrelationId, correlationIdContext } from './correlation';

/** How long a browser keeps the token: far longer than any replica lag worth waiting for. */
const COOKIE_MAX_AGE_SECONDS = 300;

/** The consistency session of each request in flight, for the onSend hook to report. */
const sessions = new WeakMap<FastifyRequest, ConsistencySession>();

/**
 * The request context of every inbound HTTP request, in two Fastify hooks:
 *
 * - preValidation: the request gets its correlation id (the acceptable one it sent, or a new
 *   one), echoed in `x-correlation-id`, and a consistency session starting from the token it
 *   sent (header first, then cookie: `consistencyTokenFromHttpRequest`); both are entered with
 *   AsyncLocalStorage around the rest of the request's life: the handler, Nest's guards, pipes
 *   and exception filters, and everything they await.
 * - onSend: a successful answer carries the session's token back (header and cookie), now
 *   including the writes this request caused or heard of from the services it called.
 *
 * Why hooks and not a Nest interceptor: an HTTP route with no interceptor skips Nest's whole
 * rxjs pipeline (a `defer`, a `mergeAll` and an `AsyncResource.bind` per interceptor, which on
 * Node 20 also builds deprecation wrappers), a large share of the gateway's CPU per request.
 * Why preValidation: it is the first hook after the body is read, so the context entered here
 * does not depend on how the body's stream events are scheduled (they belong to the socket's
 * async context, not to one entered in an earlier hook).
 */
export function registerHttpRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const correlationId = acceptCorrelationId(headerValue(request.headers[CORRELATION_ID_HEADER]));
    void reply.header(CORRELATION_ID_HEADER, correlationId);
    correlationIdContext.run(correlationId, () =>
      runWithConsistencyToken(consistencyTokenFromHttpRequest(request), (session) => {
        sessions.set(request, session);
        done();
      }),
    );
  });
  fastify.addHook(
    'onSend',
    (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
      const session = sessions.get(request);
      // Only a successful answer: an error's client has no reason to move its token forward.
      if (session !== undefined && reply.statusCode < 400) writeConsistencyTokenToReply(reply, session.token);
      done(null, payload);
    },
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The token an HTTP client sent: the header wins over the cookie (an API client says what it means). */
export function consistencyTokenFromHttpRequest(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  return headerValue(request.headers[CONSISTENCY_TOKEN_HEADER]) ?? cookieValue(request.headers.cookie, CONSISTENCY_TOKEN_COOKIE);
}

/** The session's token back to the client: the header for API clients, an HttpOnly cookie for browsers. */
export function writeConsistencyTokenToReply(reply: Pick<FastifyReply, 'header'>, token: string | undefined): void {
  if (token === undefined) return;
  void reply.header(CONSISTENCY_TOKEN_HEADER, token);
  void reply.header(
    'set-cookie',
    `${CONSISTENCY_TOKEN_COOKIE}=${token}; Path=/; Max-Age=${COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax`,
  );
}

function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  for (const pair of cookieHeader?.split(';') ?? []) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}
