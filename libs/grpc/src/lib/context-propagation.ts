import { type InterceptorOptions } from '@grpc/grpc-js';
import { inboundCallContext, inboundDeadline, outgoingDeadline } from './deadline';

/**
 * The client side of context propagation, one part of the channel's interceptor
 * (`channelInterceptor`), so no call can leave without it (whether or not it goes through
 * `callUnary`):
 * - a deadline: the call's own if it set one, `defaultDeadlineMs` otherwise, never later than
 *   the deadline of the incoming call being handled;
 * - the incoming call as parent, so cancelling it cancels this one;
 * - every context field (correlation id, caller, consistency token) in the metadata
 *   (`writeContextToMetadata`, when the call starts).
 *
 * grpc-js runs interceptors synchronously inside the call, so the async context read here is the
 * caller's.
 */
export function propagatedCallOptions(options: InterceptorOptions, defaultDeadlineMs: number): InterceptorOptions {
  const inboundCall = inboundCallContext.current();
  const deadline =
    options.deadline === undefined ? outgoingDeadline(defaultDeadlineMs) : Math.min(toMillis(options.deadline), inboundDeadline());
  const parent = options.parent ?? inboundCall;
  return parent === undefined ? { ...options, deadline } : { ...options, deadline, parent };
}

function toMillis(deadline: Date | number): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}
