import { type InterceptingListener, type Metadata } from '@grpc/grpc-js';
import { CONSISTENCY_TOKEN_HEADER, type ConsistencySession, consistencyTokenFromMetadata } from '@workshop/observability';

/**
 * Carries the request's consistency session (libs/db read-your-writes) across a call, both ways:
 * the session's token goes out in `metadata`, and a token the callee answers with (it wrote
 * something) joins the session, which hands it back to the client. A one-way context field could
 * not do the second half. Returns the listener that observes the answer's metadata on its way to
 * `listener`.
 *
 * It is a part of the channel's interceptor (`channelInterceptor`): grpc-js lets call-level
 * interceptors replace the channel's, so passing one per call would silently drop the deadline
 * and the read replay. The session is captured when the call starts, in the caller's async
 * context, because grpc-js delivers the response metadata outside it.
 */
export function carryConsistencyToken(
  session: ConsistencySession,
  metadata: Metadata,
  listener: InterceptingListener,
): InterceptingListener {
  if (session.token !== undefined) metadata.set(CONSISTENCY_TOKEN_HEADER, session.token);
  return {
    onReceiveMetadata: (received) => {
      session.observe(consistencyTokenFromMetadata(received));
      listener.onReceiveMetadata(received);
    },
    onReceiveMessage: (message) => listener.onReceiveMessage(message),
    onReceiveStatus: (status) => listener.onReceiveStatus(status),
  };
}
