import { randomUUID } from 'node:crypto';
import { ContextSlot } from './request-context';

/**
 * The header (HTTP), metadata key (gRPC) and Kafka header that carry the correlation id.
 * One name everywhere, so a single grep of the logs follows a request across every hop.
 */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

export const correlationIdContext = new ContextSlot<string>('correlationId');

// Ids arrive from clients: accept only something that is plainly an id, never a log-injection vector.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The correlation id of the work in progress, carried by AsyncLocalStorage across awaits. */
export function currentCorrelationId(): string | undefined {
  return correlationIdContext.current();
}

/** The id to work under: the one received when it is acceptable, a new one otherwise. */
export function acceptCorrelationId(received: string | undefined): string {
  return received !== undefined && ACCEPTABLE_ID.test(received) ? received : randomUUID();
}

/** Runs `work` with a correlation id: the one received when it is acceptable, a new one otherwise. */
export function runWithCorrelationId<T>(received: string | undefined, work: () => T): T {
  return correlationIdContext.run(acceptCorrelationId(received), work);
}
