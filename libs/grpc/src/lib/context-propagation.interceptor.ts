import { type Interceptor, InterceptingCall } from '@grpc/grpc-js';
import { type GrpcContextField, GRPC_CONTEXT_FIELDS, writeContextToMetadata } from './context-fields';
import { inboundCallContext, inboundDeadline, outgoingDeadline } from './deadline';

/**
 * The client side of context propagation, installed on every channel by `grpcClientOptions`, so
 * no call can leave without it (whether or not it goes through `callUnary`):
 * - a deadline: the call's own if it set one, `defaultDeadlineMs` otherwise, never later than
 *   the deadline of the incoming call being handled;
 * - the incoming call as parent, so cancelling it cancels this one;
 * - every context field (correlation id, caller, consistency token) in the metadata.
 *
 * grpc-js runs interceptors synchronously inside the call, so the async context read here is the
 * caller's.
 */
export function contextPropagationInterceptor(
  defaultDeadlineMs: number,
  fields: readonly GrpcContextField[] = GRPC_CONTEXT_FIELDS,
): Interceptor {
  return (options, nextCall) => {
    const inboundCall = inboundCallContext.current();
    const deadline =
      options.deadline === undefined ? outgoingDeadline(defaultDeadlineMs) : Math.min(toMillis(options.deadline), inboundDeadline());
    const parent = options.parent ?? inboundCall;
    const callOptions = parent === undefined ? { ...options, deadline } : { ...options, deadline, parent };
    return new InterceptingCall(nextCall(callOptions), {
      start: (metadata, listener, next) => {
        writeContextToMetadata(metadata, fields);
        next(metadata, listener);
      },
    });
  };
}

function toMillis(deadline: Date | number): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}
