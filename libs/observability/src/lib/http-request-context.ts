import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ConsistencySession, runWithConsistencyToken } from './consistency-token';
import { consistencyTokenFromHttpRequest, writeConsistencyTokenToReply } from './consistency-token.interceptor';
import { CORRELATION_ID_HEADER, acceptCorrelationId, correlationIdContext } from './correlation';

/** The consistency session of each request in flight, for the onSend hook to report. */
const sessions = new WeakMap<FastifyRequest, ConsistencySession>();

/**
 * The request context of every inbound HTTP request, in two Fastify hooks:
 *
 * - preValidation: the request gets its correlation id (the acceptable one it sent, or a new
 *   one), echoed in `x-correlation-id`, and a consistency session starting from the token it
 *   sent (see `ConsistencyTokenInterceptor` for where tokens come from); both are entered with
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
