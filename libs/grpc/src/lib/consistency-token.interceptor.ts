import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { CONSISTENCY_TOKEN_HEADER, consistencyTokenFromMetadata, currentConsistencySession } from '@workshop/observability';

/**
 * Carries the request's consistency session (libs/db read-your-writes) across a call, both ways:
 * the session's token goes out in the metadata, and a token the callee answers with (it wrote
 * something) joins the session, which hands it back to the client. A one-way context field could
 * not do the second half.
 *
 * It is a channel interceptor, like the others: grpc-js lets call-level interceptors replace the
 * channel's, so passing one per call would silently drop the deadline and the read replay. The
 * session is captured when the call starts, in the caller's async context, because grpc-js
 * delivers the response metadata outside it.
 */
export function consistencyTokenInterceptor(): Interceptor {
  return (options, nextCall) => {
    const session = currentConsistencySession();
    if (session === undefined) return new InterceptingCall(nextCall(options));
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        if (session.token !== undefined) metadata.set(CONSISTENCY_TOKEN_HEADER, session.token);
        next(metadata, {
          onReceiveMetadata(received, nextMetadata) {
            session.observe(consistencyTokenFromMetadata(received));
            nextMetadata(received);
          },
        });
      },
    });
  };
}
