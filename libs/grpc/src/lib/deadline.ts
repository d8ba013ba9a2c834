import type { CallOptions } from '@grpc/grpc-js';
import { ContextSlot } from '@workshop/observability';

/**
 * The gRPC call this service is handling, set by the server interceptor for the handler's whole
 * async life. Outgoing calls made on its behalf take it as their parent: grpc-js then cancels
 * them when it is cancelled, and they never outlive its deadline.
 */
export const inboundCallContext = new ContextSlot<InboundCall>('inboundGrpcCall');

/** A call a gRPC server is handling, as grpc-js accepts it for `CallOptions.parent`. */
export type InboundCall = NonNullable<CallOptions['parent']>;

/** Milliseconds since the epoch; Infinity when the caller set no deadline. */
export function inboundDeadline(): number {
  const deadline = inboundCallContext.current()?.getDeadline();
  if (deadline === undefined) return Number.POSITIVE_INFINITY;
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * The deadline of an outgoing call: this hop's own budget (`defaultMs` from now), cut to what
 * is left of the incoming call's deadline. A service two hops down never works for a caller
 * that has already given up.
 */
export function outgoingDeadline(defaultMs: number, now = Date.now()): number {
  return Math.min(now + defaultMs, inboundDeadline());
}

/** True when the call being handled has run out of time: nothing made for it can still help. */
export function inboundDeadlineExpired(now = Date.now()): boolean {
  return inboundDeadline() <= now;
}
