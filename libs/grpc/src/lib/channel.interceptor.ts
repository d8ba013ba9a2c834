import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { currentConsistencySession } from '@workshop/observability';
import { carryConsistencyToken } from './consistency-token';
import { type GrpcContextField, GRPC_CONTEXT_FIELDS, writeContextToMetadata } from './context-fields';
import { propagatedCallOptions } from './context-propagation';
import { InterruptedReadReplay } from './interrupted-read-replay';

export interface ChannelInterceptorSettings {
  /** Deadline of a call that sets none (it is still cut to the incoming call's deadline). */
  defaultDeadlineMs: number;
  /** Paths (`/package.Service/Method`) of the idempotent methods whose cut-off answers are replayed once. */
  replayableMethodPaths?: ReadonlySet<string>;
  fields?: readonly GrpcContextField[];
}

/**
 * The one interceptor of every channel in the system (`grpcClientOptions` installs it), doing in
 * order, outermost first:
 * - context propagation: the deadline, the incoming call as parent, the context fields in the
 *   metadata (`propagatedCallOptions`, `writeContextToMetadata`);
 * - the consistency token, both ways (`carryConsistencyToken`);
 * - for an idempotent method, the replay of an answer cut off half-way (`InterruptedReadReplay`).
 *
 * Why one interceptor and not three: grpc-js wraps a call in a layer per interceptor (an
 * `InterceptingCall` with its requester and listeners, rebuilt for every call), and the three
 * concerns need no layer of their own. One layer keeps the gateway's calls closer to a bare
 * grpc-js call, as `InterceptorChain` does for the server side's Nest interceptors.
 */
export function channelInterceptor({
  defaultDeadlineMs,
  replayableMethodPaths = new Set(),
  fields = GRPC_CONTEXT_FIELDS,
}: ChannelInterceptorSettings): Interceptor {
  return (options, nextCall) => {
    const callOptions = propagatedCallOptions(options, defaultDeadlineMs);
    // Read here, in the caller's async context: grpc-js answers outside it.
    const session = currentConsistencySession();
    const replay = replayableMethodPaths.has(options.method_definition.path)
      ? new InterruptedReadReplay(() => nextCall(callOptions))
      : undefined;
    return new InterceptingCall(nextCall(callOptions), {
      start(metadata, listener, next) {
        writeContextToMetadata(metadata, fields);
        const answerListener = session === undefined ? listener : carryConsistencyToken(session, metadata, listener);
        if (replay === undefined) next(metadata, answerListener);
        else replay.start(metadata, answerListener, next);
      },
      sendMessage(message, next) {
        replay?.remember(message);
        next(message);
      },
    });
  };
}
