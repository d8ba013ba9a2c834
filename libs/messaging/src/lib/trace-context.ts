import { randomBytes } from 'node:crypto';
import { ContextSlot } from '@workshop/observability';

/**
 * The W3C Trace Context header (https://www.w3.org/TR/trace-context/): `00-<trace id>-<span id>-<flags>`.
 * Every event carries one. An event enqueued while a consumer handles another event continues
 * that event's trace, so all the steps of one saga share a trace id that a tracing backend (or a
 * grep of the logs) can follow across services.
 */
export const TRACEPARENT_HEADER = 'traceparent';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const traceContext = new ContextSlot<string>('traceparent');

/** Runs `work` as a continuation of `traceparent` (ignored when it is not a valid header). */
export function runWithTraceContext<T>(traceparent: string | undefined, work: () => T): T {
  if (traceparent === undefined || !TRACEPARENT.test(traceparent)) return work();
  return traceContext.run(traceparent, work);
}

/**
 * The `traceparent` for an event produced now: a new span in the current trace when there is
 * one (the event being handled), the root of a new trace otherwise (a request).
 */
export function nextTraceparent(): string {
  const parent = TRACEPARENT.exec(traceContext.current() ?? '');
  const traceId = parent?.[1] ?? randomBytes(16).toString('hex');
  const flags = parent?.[3] ?? '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}

/** The trace id of a `traceparent` header, or undefined for a missing or malformed one. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return TRACEPARENT.exec(traceparent ?? '')?.[1];
}
