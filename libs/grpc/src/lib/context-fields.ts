import type { Metadata } from '@grpc/grpc-js';
import { CORRELATION_ID_HEADER, type ContextSlot, acceptCorrelationId, correlationIdContext } from '@workshop/observability';

/**
 * One value of the request context that crosses gRPC hops: the async-context slot it lives in
 * on either side, and the metadata key it travels under. The client interceptor copies every
 * field's slot into the outgoing metadata; the server interceptor restores every field from the
 * incoming metadata before the handler runs. Carrying a new value across services is one entry
 * in `GRPC_CONTEXT_FIELDS`.
 */
export interface GrpcContextField {
  readonly slot: ContextSlot<string>;
  readonly metadataKey: string;
  /**
   * What the server runs with for a received value (undefined when none was sent): the value,
   * a replacement, or undefined to leave the slot empty. Metadata comes from the network, so
   * a field accepts only what is plainly valid.
   */
  accept(received: string | undefined): string | undefined;
}

/**
 * Every value that follows a request from service to service, in one list. Only the correlation
 * id is here: the caller's identity is an explicit argument of the service methods (ownership is
 * a business rule, kept visible), and the consistency token travels both ways, which a one-way
 * field cannot do (consistency-token.interceptor.ts).
 */
export const GRPC_CONTEXT_FIELDS: readonly GrpcContextField[] = [
  // A service always works under some correlation id: a call that brought none gets a new one.
  { slot: correlationIdContext, metadataKey: CORRELATION_ID_HEADER, accept: acceptCorrelationId },
];

/** Copies the value of every field set in the current context into outgoing `metadata`. */
export function writeContextToMetadata(metadata: Metadata, fields: readonly GrpcContextField[] = GRPC_CONTEXT_FIELDS): void {
  for (const field of fields) {
    const value = field.slot.current();
    if (value !== undefined) metadata.set(field.metadataKey, value);
  }
}

/** Runs `work` with every field restored from incoming `metadata`. */
export function runWithContextFromMetadata<R>(
  metadata: Metadata,
  work: () => R,
  fields: readonly GrpcContextField[] = GRPC_CONTEXT_FIELDS,
): R {
  return fields.reduceRight<() => R>((inner, field) => {
    const received = metadata.get(field.metadataKey)[0];
    const value = field.accept(typeof received === 'string' ? received : undefined);
    return value === undefined ? inner : () => field.slot.run(value, inner);
  }, work)();
}
